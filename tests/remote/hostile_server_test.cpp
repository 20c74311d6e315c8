// Remote inputs against servers that misbehave (loopback_server.h): every
// fault is an error naming the URL and what was expected, never a crash, a
// hang or wrong bytes; faults that may pass are retried.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "gguf/format/gguf_file.h"
#include "gguf/io/file_hash.h"
#include "io/http_range_file.h"
#include "gguf_fixtures.h"
#include "loopback_server.h"
#include "test_support.h"

namespace {

using gguf_test::LoopbackServer;
using gguf_test::Misbehaviour;

// A model larger than the header's first read (256 KiB), so that faults in
// a body meet reads of tensor data too.
const std::string kModel = fixtures::path("glm4moe-wide-bundled.gguf");

// Every tensor's bytes of `url`, or the first error.
gguf::Result<std::vector<std::vector<uint8_t>>> read_all(const std::string& url, const gguf::RemoteOptions& options) {
    auto file = gguf::GgufFile::open(url, gguf::OpenFor::copying, gguf::ReadOptions{options, std::nullopt});
    if (!file) return std::unexpected(file.error());
    std::vector<std::vector<uint8_t>> tensors;
    for (size_t i = 0; i < file->tensors().size(); ++i) {
        tensors.emplace_back(file->tensors()[i].n_bytes);
        if (auto ok = file->read_tensor_data(i, 0, tensors.back()); !ok) return std::unexpected(ok.error());
    }
    return tensors;
}

gguf::RemoteOptions quick_to_give_up() {
    gguf::RemoteOptions options;
    options.attempts = 2;
    options.stall_seconds = 1;
    return options;
}

struct FaultCase {
    Misbehaviour misbehaviour;
    gguf::ErrorCode code;
    std::string said;  // part of the one-line message
    gguf::Remedy remedy = gguf::Remedy::none;
};

class HostileServer : public testing::TestWithParam<FaultCase> {};

TEST_P(HostileServer, FaultIsAnErrorNamingTheUrl) {
    const FaultCase& c = GetParam();
    LoopbackServer server(gguf_test::read_file(kModel), c.misbehaviour);
    auto read = read_all(server.url(), quick_to_give_up());
    ASSERT_FALSE(read) << "read " << read->size() << " tensors";
    EXPECT_EQ(read.error().file, server.url());
    EXPECT_EQ(gguf::error_code_name(read.error().code), gguf::error_code_name(c.code)) << read.error().to_string();
    EXPECT_NE(read.error().message.find(c.said), std::string::npos) << read.error().to_string();
    EXPECT_EQ(read.error().remedy, c.remedy) << read.error().to_string();
    EXPECT_EQ(read.error().to_string().find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, HostileServer,
    testing::Values(FaultCase{Misbehaviour::ignore_range, gguf::ErrorCode::unsupported, "ignores Range", gguf::Remedy::allow_full_download},
                    FaultCase{Misbehaviour::not_found, gguf::ErrorCode::not_found, "HTTP 404"},
                    FaultCase{Misbehaviour::forbidden, gguf::ErrorCode::io, "HTTP 403", gguf::Remedy::give_token},
                    FaultCase{Misbehaviour::unsatisfiable, gguf::ErrorCode::truncated, "HTTP 416"},
                    FaultCase{Misbehaviour::short_body, gguf::ErrorCode::io, "failed 2 times"},
                    FaultCase{Misbehaviour::long_body, gguf::ErrorCode::bad_format, "more than"},
                    FaultCase{Misbehaviour::wrong_range, gguf::ErrorCode::bad_format, "Content-Range"},
                    FaultCase{Misbehaviour::etag_changes, gguf::ErrorCode::mismatch, "changed on the server"},
                    FaultCase{Misbehaviour::cut_connection, gguf::ErrorCode::io, "failed 2 times"},
                    FaultCase{Misbehaviour::stall, gguf::ErrorCode::io, "failed 2 times"},
                    FaultCase{Misbehaviour::redirect_loop, gguf::ErrorCode::io, "redirect"}),
    [](const testing::TestParamInfo<FaultCase>& info) { return std::to_string(info.index); });

TEST(RemoteRead, ServerErrorsThatPassAreRetried) {
    const auto local = read_all(kModel, {});
    ASSERT_TRUE(local) << local.error().to_string();
    LoopbackServer server(gguf_test::read_file(kModel), Misbehaviour::fail_twice);
    auto read = read_all(server.url(), {});
    ASSERT_TRUE(read) << read.error().to_string();
    EXPECT_EQ(*read, *local);
}

TEST(RemoteRead, AServerThatIgnoresRangesIsReadThroughOnlyWhenAllowed) {
    const auto local = read_all(kModel, {});
    ASSERT_TRUE(local) << local.error().to_string();
    LoopbackServer server(gguf_test::read_file(kModel), Misbehaviour::ignore_range);
    gguf::RemoteOptions options;
    options.allow_full_download = true;
    auto read = read_all(server.url(), options);
    ASSERT_TRUE(read) << read.error().to_string();
    EXPECT_EQ(*read, *local);
}

TEST(RemoteRead, TheCommandSaysWhatToDoAndWritesNothing) {
    LoopbackServer server(gguf_test::read_file(kModel), Misbehaviour::ignore_range);
    gguf_test::TempDir dir;
    auto r = gguf_test::gguf_mtp({"extract", "-o", dir.file("head.gguf"), server.url()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "gguf-mtp: error: " + server.url() +
                         ": the server ignores Range requests (it answered HTTP 200 with the whole file) (--allow-full-download reads "
                         "through it)\n");
    EXPECT_TRUE(dir.listing().empty());
    auto allowed = gguf_test::gguf_mtp({"extract", "--allow-full-download", "-o", dir.file("head.gguf"), server.url()});
    EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
    auto local = gguf_test::gguf_mtp({"extract", "-o", dir.file("local.gguf"), kModel});
    ASSERT_EQ(local.exit_code, 0) << local.err;
    EXPECT_EQ(gguf_test::read_file(dir.file("head.gguf")), gguf_test::read_file(dir.file("local.gguf")));
}

TEST(RemoteRead, ALargeReadGoesInPiecesThatArriveInPlace) {
    const auto bytes = gguf_test::pattern_bytes("large", 5, 18u << 20);
    LoopbackServer server(bytes, Misbehaviour::none);
    auto file = gguf::HttpRangeFile::open(server.url(), server.url(), {});
    ASSERT_TRUE(file) << file.error().to_string();
    EXPECT_EQ((*file)->size(), bytes.size());
    std::vector<uint8_t> got(bytes.size() - 3);
    auto read = (*file)->read_at(3, got, server.url());
    ASSERT_TRUE(read) << read.error().to_string();
    EXPECT_TRUE(std::equal(got.begin(), got.end(), bytes.begin() + 3));
    EXPECT_EQ(server.requests(), 1 + 5) << "the first byte, then five pieces of at most 4 MiB";
    EXPECT_EQ((*file)->bytes_fetched(), 1 + got.size());
}

TEST(RemoteHash, RetriesWhatMayPassAndGivesTheLocalDigest) {
    const auto bytes = gguf_test::pattern_bytes("hashed", 7, (33u << 20) + 5);  // two pieces, the second short
    gguf_test::TempDir dir;
    gguf_test::write_file(dir.file("local"), bytes);
    const auto local = gguf::hash_file(dir.file("local"));
    ASSERT_TRUE(local) << local.error().to_string();
    LoopbackServer server(bytes, Misbehaviour::fail_twice);
    std::vector<uint64_t> done;
    auto remote = gguf::hash_file(server.url(), [&](uint64_t bytes_done, uint64_t total) {
        EXPECT_EQ(total, bytes.size());
        done.push_back(bytes_done);
    });
    ASSERT_TRUE(remote) << remote.error().to_string();
    EXPECT_EQ(remote->xxh3_128, local->xxh3_128);
    EXPECT_EQ(remote->bytes, bytes.size());
    EXPECT_EQ(done, (std::vector<uint64_t>{32u << 20, bytes.size()}));
}

TEST(RemoteHash, AFileThatChangesWhileHashedIsAnErrorNotADigest) {
    LoopbackServer server(gguf_test::pattern_bytes("changing", 8, 9u << 20), Misbehaviour::etag_changes);
    auto remote = gguf::hash_file(server.url());
    ASSERT_FALSE(remote) << remote->xxh3_128;
    EXPECT_EQ(remote.error().file, server.url());
    EXPECT_EQ(remote.error().code, gguf::ErrorCode::mismatch) << remote.error().to_string();
}

TEST(RemoteRead, HubNamesResolveAgainstTheEndpoint) {
    gguf::RemoteOptions options;
    options.hub_endpoint = "http://127.0.0.1:1/";
    EXPECT_EQ(gguf::resolve_remote("hf://org/repo/sub/model.gguf", options).value_or(""), "http://127.0.0.1:1/org/repo/resolve/main/sub/model.gguf");
    EXPECT_EQ(gguf::resolve_remote("hf://org/repo@v1.2/model.gguf", options).value_or(""), "http://127.0.0.1:1/org/repo/resolve/v1.2/model.gguf");
    EXPECT_EQ(gguf::resolve_remote("https://host/x.gguf", options).value_or(""), "https://host/x.gguf");
    for (const char* bad : {"hf://org", "hf://org/repo", "hf://org/repo/", "hf:///repo/x.gguf", "hf://org/repo@/x.gguf"}) {
        auto r = gguf::resolve_remote(bad, options);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, gguf::ErrorCode::invalid_argument) << bad;
    }
}

}  // namespace
