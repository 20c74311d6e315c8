// Small files replace their predecessor whole or not at all.
#include <gtest/gtest.h>

#include <filesystem>

#include "gguf/io/whole_file.h"
#include "test_support.h"

namespace {

std::string text_of(const std::string& path) {
    const auto bytes = gguf_test::read_file(path);
    return std::string(bytes.begin(), bytes.end());
}

TEST(WholeFile, WritesAndReplacesLeavingOnlyTheFile) {
    gguf_test::TempDir dir;
    ASSERT_TRUE(gguf::write_whole_file(dir.file("m.json"), "first\n").has_value());
    ASSERT_TRUE(gguf::write_whole_file(dir.file("m.json"), "second\n").has_value());
    EXPECT_EQ(text_of(dir.file("m.json")), "second\n");
    EXPECT_EQ(dir.listing(), std::vector<std::string>{"m.json"});
}

TEST(WholeFile, AFailedRenameLeavesNoTemporary) {
    // A directory under the final name: the rename fails, for root too.
    gguf_test::TempDir dir;
    std::filesystem::create_directory(dir.file("m.json"));
    auto written = gguf::write_whole_file(dir.file("m.json"), "text\n");
    ASSERT_FALSE(written.has_value());
    EXPECT_EQ(written.error().code, gguf::ErrorCode::io);
    EXPECT_EQ(written.error().file, dir.file("m.json"));
    EXPECT_EQ(dir.listing(), std::vector<std::string>{"m.json"});
    EXPECT_TRUE(std::filesystem::is_directory(dir.file("m.json")));
}

TEST(WholeFile, AMissingFolderIsAnIoErrorNamingTheFile) {
    gguf_test::TempDir dir;
    auto written = gguf::write_whole_file(dir.file("absent/m.json"), "text\n");
    ASSERT_FALSE(written.has_value());
    EXPECT_EQ(written.error().file, dir.file("absent/m.json"));
}

}  // namespace
