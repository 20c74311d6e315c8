// .gguf.zst inputs without a temporary copy: opening one for its header
// (what `info` does) decompresses only as far as the header, whatever the
// stream's framing; surgery (OpenFor::copying) decompresses as it copies
// and writes the bytes it writes from the plain file.
#include <gtest/gtest.h>
#include <zstd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "gguf/format/gguf_file.h"
#include "gguf/mtp/mtp_surgery.h"
#include "gguf/plan/writer.h"
#include "gguf/split/model.h"
#include "gguf_fixtures.h"
#include "test_support.h"

namespace {

using gguf_test::TempDir;

// Compresses `bytes` as one frame per piece of `piece_bytes` (0: one frame),
// declaring each frame's content size or not.
std::vector<uint8_t> compress(const std::vector<uint8_t>& bytes, size_t piece_bytes, bool declare_size) {
    ZSTD_CCtx* ctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(ctx, ZSTD_c_contentSizeFlag, declare_size ? 1 : 0);
    std::vector<uint8_t> out;
    const size_t step = piece_bytes == 0 ? bytes.size() : piece_bytes;
    for (size_t at = 0; at < bytes.size(); at += step) {
        const size_t n = std::min(step, bytes.size() - at);
        std::vector<uint8_t> frame(ZSTD_compressBound(n));
        ZSTD_inBuffer in{bytes.data() + at, n, 0};
        ZSTD_outBuffer o{frame.data(), frame.size(), 0};
        const size_t left = ZSTD_compressStream2(ctx, &o, &in, ZSTD_e_end);
        EXPECT_EQ(left, 0u);
        out.insert(out.end(), frame.begin(), frame.begin() + static_cast<ptrdiff_t>(o.pos));
    }
    ZSTD_freeCCtx(ctx);
    return out;
}

// Points $TMPDIR somewhere no file can be created while alive, so a test
// proves that what it opens needs no temporary file.
class NoTemporaryFiles {
public:
    NoTemporaryFiles() {
        if (const char* old = std::getenv("TMPDIR")) saved_ = old;
        setenv("TMPDIR", "/nonexistent/gguf-mtp-no-temporary-files", 1);
    }
    ~NoTemporaryFiles() {
        if (saved_) setenv("TMPDIR", saved_->c_str(), 1);
        else unsetenv("TMPDIR");
    }

private:
    std::optional<std::string> saved_;
};

class ZstdHeader : public testing::Test {
protected:
    void SetUp() override {
        gguf_test::RandomPlanOptions options;
        options.tensors = 40;
        options.keys = 60;
        gguf_test::write_plan_or_fail(gguf_test::random_plan(7, options), dir_.file("m.gguf"));
        plain_ = gguf_test::read_file(dir_.file("m.gguf"));
    }

    // Opens `compressed` for its header, with no temporary file possible,
    // and expects what the uncompressed file's header says.
    void expect_header_of_plain(const std::vector<uint8_t>& compressed) {
        gguf_test::write_file(dir_.file("m.gguf.zst"), compressed);
        auto plain = gguf::GgufFile::open(dir_.file("m.gguf"));
        ASSERT_TRUE(plain) << plain.error().to_string();
        NoTemporaryFiles no_temporary_files;
        auto streamed = gguf::GgufFile::open(dir_.file("m.gguf.zst"), gguf::OpenFor::header);
        ASSERT_TRUE(streamed) << streamed.error().to_string();
        EXPECT_FALSE(streamed->has_data());
        EXPECT_EQ(streamed->file_size(), plain_.size());
        EXPECT_EQ(streamed->metadata(), plain->metadata());
        ASSERT_EQ(streamed->tensors().size(), plain->tensors().size());
        for (size_t i = 0; i < plain->tensors().size(); ++i) {
            EXPECT_EQ(streamed->tensors()[i].name, plain->tensors()[i].name);
            EXPECT_EQ(streamed->tensor_file_offset(i), plain->tensor_file_offset(i));
        }
        // Opening for the data needs the temporary copy, which cannot be made here.
        auto for_data = gguf::GgufFile::open(dir_.file("m.gguf.zst"));
        ASSERT_FALSE(for_data);
        EXPECT_EQ(for_data.error().code, gguf::ErrorCode::io);
    }

    TempDir dir_;
    std::vector<uint8_t> plain_;
};

TEST_F(ZstdHeader, OneFrameWithItsSizeReadsWithoutATemporaryFile) {
    ASSERT_NO_FATAL_FAILURE(expect_header_of_plain(compress(plain_, 0, true)));
}

TEST_F(ZstdHeader, AFrameWithoutItsSizeIsCountedToTheEnd) {
    ASSERT_NO_FATAL_FAILURE(expect_header_of_plain(compress(plain_, 0, false)));
}

TEST_F(ZstdHeader, SeveralFramesGiveTheWholeSize) {
    // The first frame declares only its own share: the header's tensor
    // extents reach past it, so the reader counts the whole stream.
    ASSERT_NO_FATAL_FAILURE(expect_header_of_plain(compress(plain_, plain_.size() / 3 + 1, true)));
}

TEST_F(ZstdHeader, AHeaderLongerThanTheFirstReadStillParses) {
    // A vocabulary-sized array: megabytes of metadata, past the first 1 MiB read.
    gguf::Plan plan = gguf_test::random_plan(8);
    std::vector<std::string> tokens(400000);
    for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = "token-" + std::to_string(i);
    plan.metadata.append("tokenizer.ggml.tokens", gguf::Value::string_array(tokens));
    gguf_test::write_plan_or_fail(plan, dir_.file("m.gguf"));
    plain_ = gguf_test::read_file(dir_.file("m.gguf"));
    ASSERT_GT(plain_.size(), 1u << 20);
    ASSERT_NO_FATAL_FAILURE(expect_header_of_plain(compress(plain_, 0, true)));
}

TEST_F(ZstdHeader, BrokenStreamsAreErrorsNamingTheFile) {
    const std::string path = dir_.file("m.gguf.zst");
    auto compressed = compress(plain_, 0, false);
    struct Case {
        const char* what;
        std::vector<uint8_t> bytes;
        gguf::ErrorCode code;
    };
    std::vector<uint8_t> garbage(compressed.begin(), compressed.end());
    for (size_t i = 0; i < 4; ++i) garbage[i] ^= 0xFF;
    const std::vector<Case> cases = {
        {"not zstd", garbage, gguf::ErrorCode::bad_format},
        {"empty", {}, gguf::ErrorCode::bad_format},
        {"cut in the middle", std::vector<uint8_t>(compressed.begin(), compressed.begin() + compressed.size() / 2),
         gguf::ErrorCode::truncated},
    };
    for (const auto& c : cases) {
        gguf_test::write_file(path, c.bytes);
        auto opened = gguf::GgufFile::open(path, gguf::OpenFor::header);
        ASSERT_FALSE(opened) << c.what;
        EXPECT_EQ(gguf::error_code_name(opened.error().code), std::string(gguf::error_code_name(c.code)))
            << c.what << ": " << opened.error().to_string();
        EXPECT_EQ(opened.error().file, path) << c.what;
    }
}

// Surgery on a compressed bundled model, in frames of 64 KiB so reads
// cross frames and skip within them.
class ZstdSurgery : public testing::Test {
protected:
    void SetUp() override {
        plain_path_ = fixtures::path("glm4moe-bundled.gguf");
        gguf_test::write_file(dir_.file("m.gguf.zst"), compress(gguf_test::read_file(plain_path_), 64 << 10, true));
    }

    // The bytes `make` plans from `model`, written to `name`.
    static std::vector<uint8_t> written(const gguf::Model& model, gguf::Result<gguf::Plan> (*make)(const gguf::Model&),
                                        const std::string& name) {
        auto plan = make(model);
        EXPECT_TRUE(plan) << plan.error().to_string();
        if (!plan) return {};
        gguf::WriteOptions options;
        options.output = name;
        auto report = gguf::write_plan(*plan, options);
        EXPECT_TRUE(report) << report.error().to_string();
        return gguf_test::read_file(name);
    }

    TempDir dir_;
    std::string plain_path_;
};

TEST_F(ZstdSurgery, ExtractAndStripStreamWithoutATemporaryFileAndWriteThePlainModelsBytes) {
    auto plain = gguf::Model::open(plain_path_);
    ASSERT_TRUE(plain) << plain.error().to_string();
    const auto head = written(*plain, gguf::plan_extract, dir_.file("head.gguf"));
    const auto trunk = written(*plain, gguf::plan_strip, dir_.file("trunk.gguf"));
    NoTemporaryFiles no_temporary_files;
    auto streamed = gguf::Model::open(dir_.file("m.gguf.zst"), gguf::OpenFor::copying);
    ASSERT_TRUE(streamed) << streamed.error().to_string();
    EXPECT_EQ(written(*streamed, gguf::plan_extract, dir_.file("head-from-zst.gguf")), head);
    EXPECT_EQ(written(*streamed, gguf::plan_strip, dir_.file("trunk-from-zst.gguf")), trunk);
}

TEST_F(ZstdSurgery, ReadingBackRestartsTheStreamAndReadsTheSameBytes) {
    auto plain = gguf::GgufFile::open(plain_path_);
    ASSERT_TRUE(plain) << plain.error().to_string();
    NoTemporaryFiles no_temporary_files;
    auto streamed = gguf::GgufFile::open(dir_.file("m.gguf.zst"), gguf::OpenFor::copying);
    ASSERT_TRUE(streamed) << streamed.error().to_string();
    const size_t last = plain->tensors().size() - 1;
    for (size_t index : {last, size_t{0}, last / 2, size_t{1}}) {
        std::vector<uint8_t> want(plain->tensors()[index].n_bytes), got(want.size());
        ASSERT_TRUE(plain->read_tensor_data(index, 0, want));
        auto read = streamed->read_tensor_data(index, 0, got);
        ASSERT_TRUE(read) << read.error().to_string();
        EXPECT_EQ(got, want) << plain->tensors()[index].name;
    }
}

TEST_F(ZstdSurgery, AStreamCutShortIsAnErrorNamingTheFileAndLeavesNoOutput) {
    // One frame that declares the whole size, of a model larger than the
    // header's first read: the header parses, and the stream runs out while
    // the tensors are copied.
    auto compressed = compress(gguf_test::read_file(fixtures::path("qwen35-bundled.gguf")), 0, true);
    compressed.resize(compressed.size() * 3 / 4);
    const std::string cut = dir_.file("cut.gguf.zst");
    gguf_test::write_file(cut, compressed);
    auto model = gguf::Model::open(cut, gguf::OpenFor::copying);
    ASSERT_TRUE(model) << model.error().to_string();
    auto plan = gguf::plan_strip(*model);
    ASSERT_TRUE(plan) << plan.error().to_string();
    gguf::WriteOptions options;
    options.output = dir_.file("trunk.gguf");
    auto report = gguf::write_plan(*plan, options);
    ASSERT_FALSE(report);
    EXPECT_EQ(report.error().file, cut) << report.error().to_string();
    EXPECT_EQ(report.error().code, gguf::ErrorCode::truncated) << report.error().to_string();
    EXPECT_FALSE(std::filesystem::exists(options.output));
}

}  // namespace
