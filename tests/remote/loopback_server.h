// An HTTP server of the tests' own on 127.0.0.1, serving one file and
// misbehaving as a scenario says: what real servers and proxies do wrong,
// so the remote reader meets each fault for certain. Every connection is
// served on its own thread; the server stops when destroyed. Faults in a
// body (short, long, wrong range, cut, stall) spare the one-byte request
// that opens a file.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gguf_test {

// A port on 127.0.0.1 free a moment ago, for a server the tests start.
int free_loopback_port();
// Whether something accepts connections on 127.0.0.1:port.
bool loopback_accepts(int port);

enum class Misbehaviour {
    none,              // 206 with the bytes asked for
    ignore_range,      // 200 with the whole file
    not_found,         // 404
    forbidden,         // 403
    unsatisfiable,     // 416
    short_body,        // 206 whose body stops early (Content-Length says so)
    long_body,         // 206 with more bytes than asked for
    wrong_range,       // 206 whose Content-Range names other bytes
    etag_changes,      // a new ETag after the first answer
    cut_connection,    // the connection closes halfway through a body
    stall,             // headers, then silence
    redirect_loop,     // 302 to itself
    fail_twice,        // 503 on the first two requests, then as none
};

class LoopbackServer {
public:
    LoopbackServer(std::vector<uint8_t> file, Misbehaviour misbehaviour);
    ~LoopbackServer();
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    // http://127.0.0.1:PORT/model.gguf
    std::string url() const;
    // Requests answered so far.
    int requests() const { return requests_; }

private:
    void accept_loop();
    void serve(int connection);

    std::vector<uint8_t> file_;
    Misbehaviour misbehaviour_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> requests_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<std::thread> workers_;
    std::vector<int> connections_;
};

}  // namespace gguf_test
