// Remote inputs against a real web server: nginx on 127.0.0.1, started
// here with a temporary configuration that serves fixtures under the Hub's
// path layout (ORG/REPO/resolve/main/FILE); its access log counts the bytes
// served. Skipped where nginx is not installed (scripts/setup.sh installs it).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "gguf/split/model.h"
#include "gguf_fixtures.h"
#include "loopback_server.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;

constexpr const char* kNginx = "/usr/sbin/nginx";
constexpr const char* kToken = "hf_test_secret_token";

class NginxHub : public testing::Test {
protected:
    void SetUp() override {
        if (!fs::exists(kNginx)) GTEST_SKIP() << kNginx << " is not installed (Debian: nginx-light)";
        files_ = dir_.path() / "files";
        fs::create_directories(files_);
        fs::create_directories(dir_.path() / "logs");
        for (const char* f : {"qwen35-bundled.gguf", "glm4moe-wide-bundled.gguf"}) fs::copy_file(fixtures::path(f), files_ / f);
        auto split = gguf_test::gguf_mtp({"split", "--split-max-tensors", "20", fixtures::path("qwen35moe-bundled.gguf"), (files_ / "qwen35moe").string()});
        ASSERT_EQ(split.exit_code, 0) << split.err;
        port_ = gguf_test::free_loopback_port();
        const std::string conf = dir_.file("nginx.conf");
        std::ofstream(conf) << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << dir_.file("nginx.pid")
                            << ";\nerror_log " << dir_.file("logs/error.log") << ";\nevents { worker_connections 64; }\nhttp {\n"
                            << "  log_format served '$status $body_bytes_sent';\n  access_log " << log_path() << " served;\n"
                            << "  server {\n    listen 127.0.0.1:" << port_ << ";\n"
                            << "    location ~ ^/test-org/[^/]+/resolve/main/(.+)$ { alias " << files_.string() << "/$1; }\n"
                            << "    location ~ ^/private-org/[^/]+/resolve/main/(.+)$ {\n"
                            << "      if ($http_authorization != \"Bearer " << kToken << "\") { return 403; }\n"
                            << "      alias " << files_.string() << "/$1;\n    }\n  }\n}\n";
        nginx_ = ::fork();
        if (nginx_ == 0) {
            ::execl(kNginx, kNginx, "-p", dir_.path().c_str(), "-c", conf.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 100 && !gguf_test::loopback_accepts(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ASSERT_TRUE(gguf_test::loopback_accepts(port_)) << "nginx did not start: " << read_text(dir_.file("logs/error.log"));
        setenv("HF_ENDPOINT", endpoint().c_str(), 1);
    }

    void TearDown() override {
        unsetenv("HF_ENDPOINT");
        if (nginx_ > 0) {
            ::kill(nginx_, SIGTERM);
            ::waitpid(nginx_, nullptr, 0);
        }
    }

    static std::string read_text(const std::string& path) {
        std::ifstream in(path);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    std::string log_path() const { return dir_.file("logs/access.log"); }
    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // Requests nginx has answered since the log was last cleared.
    size_t requests_served() const {
        std::istringstream log(read_text(log_path()));
        size_t lines = 0;
        for (std::string line; std::getline(log, line);) ++lines;
        return lines;
    }
    // Body bytes nginx has served since the log was last cleared.
    uint64_t bytes_served() const {
        std::istringstream log(read_text(log_path()));
        uint64_t total = 0, bytes = 0;
        int status = 0;
        while (log >> status >> bytes) total += bytes;
        return total;
    }
    void clear_log() const { std::ofstream(log_path(), std::ios::trunc); }

    gguf_test::TempDir dir_;
    fs::path files_;
    int port_ = 0;
    pid_t nginx_ = -1;
};

// `info` text, less its first line (the file's name).
std::string info_body(const gguf_test::CliRun& run) { return run.out.substr(run.out.find('\n') + 1); }

TEST_F(NginxHub, InfoOfAHubNameReadsWhatTheLocalFileHolds) {
    auto remote = gguf_test::gguf_mtp({"info", "hf://test-org/qwen/qwen35-bundled.gguf"});
    ASSERT_EQ(remote.exit_code, 0) << remote.err;
    auto local = gguf_test::gguf_mtp({"info", (files_ / "qwen35-bundled.gguf").string()});
    ASSERT_EQ(local.exit_code, 0) << local.err;
    EXPECT_EQ(info_body(remote), info_body(local));
    EXPECT_EQ(remote.out.rfind("file:          hf://test-org/qwen/qwen35-bundled.gguf, ", 0), 0u) << remote.out;
}

TEST_F(NginxHub, ExtractFromAUrlWritesTheLocalBytesAndFetchesTheHeadAndHeaderOnly) {
    const std::string input = (files_ / "qwen35-bundled.gguf").string();
    auto local = gguf_test::gguf_mtp({"extract", "-o", dir_.file("local-head.gguf"), input});
    ASSERT_EQ(local.exit_code, 0) << local.err;
    clear_log();
    auto remote = gguf_test::gguf_mtp({"extract", "-o", dir_.file("remote-head.gguf"), endpoint() + "/test-org/qwen/resolve/main/qwen35-bundled.gguf"});
    ASSERT_EQ(remote.exit_code, 0) << remote.err;
    EXPECT_EQ(gguf_test::read_file(dir_.file("remote-head.gguf")), gguf_test::read_file(dir_.file("local-head.gguf")));
    auto head = gguf::Model::open(dir_.file("local-head.gguf"));
    auto bundled = gguf::Model::open(input);
    ASSERT_TRUE(head && bundled);
    const uint64_t needed = head->total_tensor_bytes() + bundled->shard(0).data_offset();
    EXPECT_LE(bytes_served(), needed + (1u << 20)) << "the head's tensors are " << head->total_tensor_bytes() << " bytes";
    EXPECT_LT(bytes_served(), fs::file_size(input) / 2) << "a remote extract must not fetch the model";
    // The first byte, the header, then one request per run of tensors that
    // lie back to back (token_embd; the MTP block with output_norm and
    // output after it), not one per tensor (18).
    EXPECT_LE(requests_served(), 5u);
    const std::string url = endpoint() + "/test-org/qwen/resolve/main/qwen35-bundled.gguf";
    auto dry = gguf_test::gguf_mtp({"extract", "--dry-run", "--json", "-o", dir_.file("never.gguf"), url});
    ASSERT_EQ(dry.exit_code, 0) << dry.err;
    const auto fetch = nlohmann::json::parse(dry.out)["fetch"];
    EXPECT_EQ(fetch, nlohmann::json::parse("[{\"url\": \"" + url + "\", \"bytes\": " + std::to_string(head->total_tensor_bytes()) + "}]"));
}

TEST_F(NginxHub, AnyShardUrlOpensTheWholeSplitSet) {
    std::vector<std::string> shards;
    for (const auto& e : fs::directory_iterator(files_)) {
        if (e.path().filename().string().starts_with("qwen35moe-")) shards.push_back(e.path().filename().string());
    }
    std::sort(shards.begin(), shards.end());
    ASSERT_GE(shards.size(), 2u);
    auto local = gguf_test::gguf_mtp({"info", (files_ / shards.front()).string()});
    ASSERT_EQ(local.exit_code, 0) << local.err;
    auto remote = gguf_test::gguf_mtp({"info", "hf://test-org/qwen/" + shards.back()});
    ASSERT_EQ(remote.exit_code, 0) << remote.err;
    EXPECT_EQ(info_body(remote), info_body(local));
}

TEST_F(NginxHub, VerifyChecksAUrlsHeaders) {
    auto r = gguf_test::gguf_mtp({"verify", "hf://test-org/glm/glm4moe-wide-bundled.gguf"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(NginxHub, AMissingFileIsAOneLineError) {
    auto r = gguf_test::gguf_mtp({"info", "hf://test-org/qwen/nothing.gguf"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "gguf-mtp: error: hf://test-org/qwen/nothing.gguf: not found (HTTP 404)\n");
}

TEST_F(NginxHub, QuantizingAUrlRecordsNoProvenanceAndCannotReuse) {
    const std::string url = "hf://test-org/qwen/qwen35-bundled.gguf";
    auto made = gguf_test::gguf_mtp({"quantize", url, dir_.file("q.gguf"), "Q8_0"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    EXPECT_FALSE(fs::exists(dir_.file("q.gguf.provenance.json"))) << "digesting the source would fetch it twice";
    auto reuse = gguf_test::gguf_mtp({"quantize", "--reuse", dir_.file("q.gguf"), url, dir_.file("r.gguf"), "Q8_0"});
    EXPECT_EQ(reuse.exit_code, 2);
    EXPECT_EQ(reuse.err, "gguf-mtp: error: --reuse needs INPUT to be a local file, not a URL\n");
    EXPECT_FALSE(fs::exists(dir_.file("r.gguf")));
}

TEST_F(NginxHub, AGatedFileNeedsTheTokenWhichIsNeverPrinted) {
    const std::string name = "hf://private-org/qwen/qwen35-bundled.gguf";
    auto refused = gguf_test::gguf_mtp({"info", name});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(refused.err, "gguf-mtp: error: " + name + ": access denied (HTTP 403): a gated or private file needs a token ($HF_TOKEN or --token-file)\n");
    std::ofstream(dir_.file("token")) << kToken << "\n";
    auto allowed = gguf_test::gguf_mtp({"info", "--token-file", dir_.file("token"), name});
    EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
    setenv("HF_TOKEN", kToken, 1);
    auto from_env = gguf_test::gguf_mtp({"extract", "-o", dir_.file("head.gguf"), name});
    unsetenv("HF_TOKEN");
    EXPECT_EQ(from_env.exit_code, 0) << from_env.err;
    for (const auto* run : {&refused, &allowed, &from_env}) {
        EXPECT_EQ((run->out + run->err).find(kToken), std::string::npos);
    }
}

}  // namespace
