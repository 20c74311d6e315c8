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
#include <regex>
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

// What `gguf-mtp ARGS` writes to a terminal (stdout and stderr both),
// run under script(1) so that it draws its progress bar.
std::string on_a_terminal(const std::vector<std::string>& args) {
    std::string command = gguf_test::shell_quote(GGUF_MTP_BIN);
    for (const auto& a : args) command += " " + gguf_test::shell_quote(a);
    gguf_test::TempDir scratch;
    const std::string typed = scratch.file("typescript");
    const std::string run = "script -qec " + gguf_test::shell_quote(command) + " " + gguf_test::shell_quote(typed) + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(run.c_str()), 0) << run;
    const auto bytes = gguf_test::read_file(typed);
    return std::string(bytes.begin(), bytes.end());
}

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

TEST_F(NginxHub, HashOfAUrlIsTheLocalFilesDigestAndFetchesEachByteOnce) {
    // Not a GGUF: hash reads any file. Large enough for several pieces in
    // flight at once, with a short one at the end.
    const auto bytes = gguf_test::pattern_bytes("remote-hash", 3, (size_t(41) << 20) + 13);
    const fs::path local = files_ / "weights.bin";
    gguf_test::write_file(local.string(), bytes);
    auto expected = gguf_test::gguf_mtp({"hash", local.string()});
    ASSERT_EQ(expected.exit_code, 0) << expected.err;
    const std::string digest = expected.out.substr(0, 32);
    clear_log();
    const std::string name = "hf://test-org/weights/weights.bin";
    auto remote = gguf_test::gguf_mtp({"hash", name});
    ASSERT_EQ(remote.exit_code, 0) << remote.err;
    EXPECT_EQ(remote.out, digest + "  " + name + "\n");
    EXPECT_EQ(remote.err, "") << "no progress bar where stderr is not a terminal";
    // The file, and the one byte that asked for its size.
    EXPECT_EQ(bytes_served(), bytes.size() + 1);
    const std::string url = endpoint() + "/test-org/weights/resolve/main/weights.bin";
    auto json = gguf_test::gguf_mtp({"hash", "--json", url});
    ASSERT_EQ(json.exit_code, 0) << json.err;
    EXPECT_EQ(nlohmann::json::parse(json.out),
              nlohmann::json::parse("[{\"path\": \"" + url + "\", \"bytes\": " + std::to_string(bytes.size()) + ", \"xxh3_128\": \"" + digest + "\"}]"));
    auto missing = gguf_test::gguf_mtp({"hash", "hf://test-org/weights/absent.bin", local.string()});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_EQ(missing.err, "gguf-mtp: error: hf://test-org/weights/absent.bin: not found (HTTP 404)\n");
    EXPECT_EQ(missing.out, digest + "  " + local.string() + "\n") << "the other files are still hashed";
}

TEST_F(NginxHub, OnATerminalRemoteReadsShowWhatIsFetchedOfWhatIsNeeded) {
    // The bar is drawn last when the work is done: by then every byte
    // needed has been fetched.
    const std::regex all_fetched(R"(\] 100% .*, fetched ([0-9.]+ [KMG]?i?B) of \1, ETA)");
    const std::string name = "hf://test-org/qwen/qwen35-bundled.gguf";
    const std::string hashed = on_a_terminal({"hash", name});
    EXPECT_TRUE(hashed.find("\rhash [") != std::string::npos && std::regex_search(hashed, all_fetched)) << hashed;
    const std::string extracted = on_a_terminal({"extract", "-o", dir_.file("head.gguf"), name});
    EXPECT_TRUE(extracted.find("\rextract [") != std::string::npos && std::regex_search(extracted, all_fetched)) << extracted;
    const std::string quantized = on_a_terminal({"quantize", name, dir_.file("q.gguf"), "Q8_0"});
    EXPECT_TRUE(quantized.find("\rquantize [") != std::string::npos && std::regex_search(quantized, all_fetched)) << quantized;
    const std::string local = on_a_terminal({"extract", "-o", dir_.file("local-head.gguf"), (files_ / "qwen35-bundled.gguf").string()});
    EXPECT_TRUE(local.find("\rextract [") != std::string::npos && local.find("fetched") == std::string::npos) << local;
}

TEST_F(NginxHub, AWriteFromAUrlSaysWhatItFetched) {
    const std::string input = (files_ / "qwen35-bundled.gguf").string();
    auto local = gguf_test::gguf_mtp({"extract", "-o", dir_.file("local-head.gguf"), input});
    ASSERT_EQ(local.exit_code, 0) << local.err;
    EXPECT_EQ(local.err.find("fetched"), std::string::npos) << local.err;
    auto remote = gguf_test::gguf_mtp({"extract", "-o", dir_.file("remote-head.gguf"), "hf://test-org/qwen/qwen35-bundled.gguf"});
    ASSERT_EQ(remote.exit_code, 0) << remote.err;
    EXPECT_NE(remote.err.find(", fetched "), std::string::npos) << remote.err;
}

TEST_F(NginxHub, BatchOfAUrlWritesUnderOutRecordsTheVersionAndSkipsWhatIsUnchanged) {
    const std::string model = "hf://test-org/qwen/qwen35-bundled.gguf";
    auto no_out = gguf_test::gguf_mtp({"batch-model", "hf://test-org/qwen", model});
    EXPECT_EQ(no_out.exit_code, 2);
    EXPECT_EQ(no_out.err, "gguf-mtp: error: batch-model of a URL needs --out DIR: its outputs cannot go beside it\n");
    auto elsewhere = gguf_test::gguf_mtp({"batch-model", "--out", dir_.file("out"), "hf://test-org/other", model});
    EXPECT_EQ(elsewhere.exit_code, 2) << elsewhere.err;
    EXPECT_EQ(elsewhere.err, "gguf-mtp: error: " + model + ": is not under the repo URL 'hf://test-org/other'\n");

    const fs::path out = fs::path(dir_.file("out")) / "qwen";
    auto first = gguf_test::gguf_mtp({"batch-model", "--out", dir_.file("out"), "--quant", "Q8_0", "hf://test-org/qwen", model});
    ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
    // The same outputs as from the local file.
    gguf_test::TempDir local;
    const std::string input = (files_ / "qwen35-bundled.gguf").string();
    ASSERT_EQ(gguf_test::gguf_mtp({"extract", "-o", local.file("head.gguf"), input}).exit_code, 0);
    ASSERT_EQ(gguf_test::gguf_mtp({"strip", "-o", local.file("trunk.gguf"), input}).exit_code, 0);
    EXPECT_EQ(gguf_test::read_file((out / "mtp-qwen35-bundled.gguf").string()), gguf_test::read_file(local.file("head.gguf")));
    EXPECT_EQ(gguf_test::read_file((out / "qwen35-bundled-no-mtp.gguf").string()), gguf_test::read_file(local.file("trunk.gguf")));
    EXPECT_TRUE(fs::exists(out / "qwen35-bundled-no-mtp-Q8_0.gguf"));

    auto manifest = [&] { return nlohmann::json::parse(read_text((out / "gguf-mtp-manifest.json").string())); };
    const auto recorded = manifest();
    ASSERT_EQ(recorded["models"].size(), 1u) << recorded.dump(2);
    EXPECT_EQ(recorded["models"][0]["source"], model);
    const auto& entry = recorded["models"][0]["inputs"][0];
    EXPECT_EQ(entry["path"], model);
    EXPECT_EQ(entry["bytes"], fs::file_size(input));
    EXPECT_TRUE(entry.contains("etag") && entry.contains("last_modified")) << entry.dump();  // nginx sends both
    const size_t extract = recorded["outputs"][0]["command"];
    EXPECT_EQ(recorded["commands"][extract]["argv"][4], model) << "the head is made from the URL";

    clear_log();
    auto again = gguf_test::gguf_mtp({"batch-model", "--out", dir_.file("out"), "--quant", "Q8_0", "hf://test-org/qwen", model});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(again.out, "qwen/qwen35-bundled.gguf: mtp-qwen35-bundled.gguf verified, skipped\n"
                         "qwen/qwen35-bundled.gguf: qwen35-bundled-no-mtp.gguf verified, skipped\n"
                         "qwen/qwen35-bundled.gguf: qwen35-bundled-no-mtp-Q8_0.gguf verified, skipped\n");
    EXPECT_LT(bytes_served(), fs::file_size(input) / 2) << "an unchanged remote model is not fetched again";

    // A new version on the server (nginx's ETag is its mtime and size): the outputs are made again.
    fs::last_write_time(files_ / "qwen35-bundled.gguf", fs::last_write_time(files_ / "qwen35-bundled.gguf") + std::chrono::hours(1));
    auto changed = gguf_test::gguf_mtp({"batch-model", "--out", dir_.file("out"), "--quant", "Q8_0", "hf://test-org/qwen", model});
    ASSERT_EQ(changed.exit_code, 0) << changed.err;
    EXPECT_EQ(changed.out.find("skipped"), std::string::npos) << changed.out;
    EXPECT_NE(manifest()["models"][0]["inputs"][0]["etag"], entry["etag"]);
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
