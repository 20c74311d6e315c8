// A caller that breaks one of the library's documented preconditions meets
// a checked build's GGUF_MTP_EXPECT at once, with what was expected, rather
// than reading through a null mapping. Bad input never gets here: it is an
// Error (broken_files_test.cpp).
#include <gtest/gtest.h>
#include <zstd.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "gguf/format/gguf_file.h"
#include "test_support.h"

namespace {

TEST(ProgrammerError, ReadingTheDataOfAFileOpenedForItsHeaderStopsACheckedBuild) {
#ifndef GGUF_MTP_CHECKED
    GTEST_SKIP() << "GGUF_MTP_EXPECT is compiled out of unchecked builds (scripts/instrumented-build.sh checks)";
#else
    gguf_test::TempDir dir;
    gguf_test::write_plan_or_fail(gguf_test::random_plan(1, {.tensors = 2, .keys = 1}), dir.file("m.gguf"));
    // A .zst opened for its header is read only that far: it has no data to read.
    std::ifstream in(dir.file("m.gguf"), std::ios::binary);
    const std::vector<char> plain((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<char> packed(ZSTD_compressBound(plain.size()));
    packed.resize(ZSTD_compress(packed.data(), packed.size(), plain.data(), plain.size(), 1));
    std::ofstream(dir.file("m.gguf.zst"), std::ios::binary).write(packed.data(), static_cast<std::streamsize>(packed.size()));
    auto file = gguf::GgufFile::open(dir.file("m.gguf.zst"), gguf::OpenFor::header);
    ASSERT_TRUE(file) << file.error().message;
    std::vector<uint8_t> out(1);
    EXPECT_DEATH((void)file->read_tensor_data(0, 0, out), "gguf-mtp bug: expected data_ \\(read_tensor_data\\(\\) of a file opened for its data");
#endif
}

}  // namespace
