// A remote input read with HTTP range requests through libcurl. Opening it
// asks for one byte, which tells the file's size, its ETag and whether the
// server honours Range; every later read must see the same size and ETag.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gguf/io/remote.h"
#include "readable_file.h"

namespace gguf {

class HttpRangeFile : public ReadableFile {
public:
    // `name` as the user gave it (for messages); `url` what it resolved to.
    static Result<std::unique_ptr<HttpRangeFile>> open(const std::string& name, const std::string& url, const RemoteOptions& options);
    ~HttpRangeFile() override;

    uint64_t size() const override { return size_; }
    FileIdentity identity() const override { return {}; }  // never a local file, so never an output
    Status read_at(uint64_t offset, std::span<uint8_t> out, const std::string& name) const override;
    uint64_t bytes_fetched() const override { return fetched_; }
    const RemoteVersion& version() const { return version_; }

    struct Connection;  // a curl handle, reused for its kept-alive connection
    struct Transfer;    // one request's answer, as libcurl's callbacks see it

private:
    // One range, on one connection.
    Status read_range(uint64_t offset, std::span<uint8_t> out, const std::string& name) const;
    Result<Transfer> fetch(Connection& connection, uint64_t offset, std::span<uint8_t> out, const std::string& name) const;
    HttpRangeFile() = default;
    std::unique_ptr<Connection> take_connection() const;
    void give_back(std::unique_ptr<Connection> connection) const;

    std::string url_;
    RemoteOptions options_;
    uint64_t size_ = 0;
    RemoteVersion version_;
    bool honours_range_ = true;
    mutable std::mutex mutex_;  // guards idle_
    mutable std::vector<std::unique_ptr<Connection>> idle_;
    mutable std::atomic<uint64_t> fetched_{0};  // body bytes of every answer
};

}  // namespace gguf
