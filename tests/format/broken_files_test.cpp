// The catalogue of broken files: each must be refused with an error of the
// expected kind that names the problem, never a crash (the suite also runs
// under ASan/UBSan in CI).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "broken_catalogue.h"
#include "gguf/format/gguf_file.h"
#include "test_support.h"

using gguf::ErrorCode;
using gguf_test::Case;
using gguf_test::RawFile;
using gguf_test::catalogue;

namespace {

gguf::Result<gguf::GgufHeader> parse(const std::vector<uint8_t>& bytes) {
    return gguf::parse_header(bytes, bytes.size(), "broken.gguf");
}

class BrokenFile : public testing::TestWithParam<Case> {};

TEST_P(BrokenFile, IsRefusedWithAClearError) {
    const Case& c = GetParam();
    const auto bytes = c.make();
    auto result = parse(bytes);
    ASSERT_FALSE(result.has_value()) << c.name << " was accepted";
    EXPECT_EQ(result.error().code, c.code) << result.error().to_string();
    EXPECT_NE(result.error().to_string().find(c.message_part), std::string::npos) << result.error().to_string();
    EXPECT_EQ(result.error().to_string().find('\n'), std::string::npos) << "error must be one line";
    EXPECT_EQ(result.error().file, "broken.gguf");
}

INSTANTIATE_TEST_SUITE_P(Catalogue, BrokenFile, testing::ValuesIn(catalogue()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

// An array's elements are checked when the header is parsed, each error
// naming the key and the offset of what is wrong: the count that cannot fit,
// the element whose string runs past the end.
TEST(BrokenFiles, ArrayErrorsNameTheKeyAndTheOffset) {
    auto bytes = RawFile().bytes();
    const auto key_at = static_cast<size_t>(std::search(bytes.begin(), bytes.end(), std::begin("test.names"), std::end("test.names") - 1) - bytes.begin());
    const size_t array_at = key_at + 10 + 4, second_length_at = array_at + 4 + 8 + 9;

    auto long_string = bytes;
    const uint64_t huge = 1ull << 40;
    std::memcpy(long_string.data() + second_length_at, &huge, sizeof huge);
    auto r = parse(long_string);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().offset, second_length_at) << r.error().to_string();
    EXPECT_NE(r.error().message.find("value of key 'test.names'[1] declares 1099511627776 bytes but only"), std::string::npos)
        << r.error().to_string();

    auto long_array = bytes;
    std::memcpy(long_array.data() + array_at + 4, &huge, sizeof huge);
    r = parse(long_array);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().offset, array_at) << r.error().to_string();
    EXPECT_NE(r.error().message.find("value of key 'test.names' declares 1099511627776 elements of string"), std::string::npos)
        << r.error().to_string();
}

TEST(BrokenFiles, TheUnbrokenBaseFileParses) {
    auto result = parse(RawFile().bytes());
    ASSERT_TRUE(result.has_value()) << result.error().to_string();
    EXPECT_EQ(result->tensors.size(), 3u);
}

TEST(BrokenFiles, EveryTruncationBeforeTheLastTensorsDataIsRefused) {
    const auto bytes = RawFile().bytes();
    auto whole = parse(bytes);
    ASSERT_TRUE(whole.has_value());
    uint64_t data_end = 0;
    for (const auto& t : whole->tensors) data_end = std::max(data_end, whole->data_offset + t.offset + t.n_bytes);
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
        std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<long>(cut));
        auto r = parse(prefix);
        if (cut < data_end) {
            ASSERT_FALSE(r.has_value()) << "cut at " << cut;
            EXPECT_TRUE(r.error().code == ErrorCode::truncated || r.error().code == ErrorCode::bad_format)
                << "cut at " << cut << ": " << r.error().to_string();
        } else {
            EXPECT_TRUE(r.has_value()) << "cut at " << cut << " keeps every tensor whole";
        }
    }
}

TEST(BrokenFiles, RandomByteDamageNeverCrashesOrReadsOutside) {
    const auto base = RawFile().bytes();
    std::mt19937_64 rng(2024);
    size_t refused = 0;
    for (int i = 0; i < 4000; ++i) {
        auto bytes = base;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) bytes[rng() % 260] ^= static_cast<uint8_t>(1u << (rng() % 8));
        auto r = parse(bytes);
        if (!r) {
            ++refused;
            continue;
        }
        for (const auto& t : r->tensors) {
            ASSERT_LE(r->data_offset + t.offset + t.n_bytes, bytes.size()) << "seed iteration " << i;
        }
    }
    EXPECT_GT(refused, 0u);
}

TEST(BrokenFiles, OpeningAMissingOrNonRegularFileIsAnIoError) {
    auto missing = gguf::GgufFile::open("/nonexistent/model.gguf");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, ErrorCode::io);
    auto dir = gguf::GgufFile::open("/");
    ASSERT_FALSE(dir.has_value());
}

}  // namespace
