#include "loopback_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <regex>

namespace gguf_test {
namespace {

bool send_all(int fd, const void* data, size_t size) {
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::send(fd, p, size, MSG_NOSIGNAL);
        if (n <= 0) return false;
        p += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

// The request's head (up to the blank line), or "" when the peer went away.
std::string read_request(int fd) {
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos) {
        if (::recv(fd, &c, 1, 0) != 1) return "";
        head += c;
    }
    return head;
}

sockaddr_in loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

// Binds `fd` to a port of the kernel's choice on 127.0.0.1 and returns it.
int bind_any_port(int fd) {
    sockaddr_in address = loopback(0);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
}

}  // namespace

int free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int port = bind_any_port(fd);
    ::close(fd);
    return port;
}

bool loopback_accepts(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in address = loopback(port);
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

LoopbackServer::LoopbackServer(std::vector<uint8_t> file, Misbehaviour misbehaviour)
    : file_(std::move(file)), misbehaviour_(misbehaviour) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    port_ = bind_any_port(listener_);
    ::listen(listener_, 16);
    acceptor_ = std::thread([this] { accept_loop(); });
}

LoopbackServer::~LoopbackServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    ::close(listener_);
    {
        std::lock_guard lock(mutex_);
        for (int c : connections_) ::shutdown(c, SHUT_RDWR);
    }
    for (auto& w : workers_) w.join();
}

std::string LoopbackServer::url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/model.gguf"; }

void LoopbackServer::accept_loop() {
    while (!stopping_) {
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        const int c = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        std::lock_guard lock(mutex_);
        connections_.push_back(c);
        workers_.emplace_back([this, c] {
            serve(c);
            ::close(c);
        });
    }
}

void LoopbackServer::serve(int fd) {
    static const std::regex range_header(R"(\r\n[Rr]ange: bytes=(\d+)-(\d+)\r\n)");
    for (;;) {  // keep-alive: one request after another
        const std::string head = read_request(fd);
        if (head.empty() || stopping_) return;
        const int n = ++requests_;
        std::smatch m;
        uint64_t first = 0, last = file_.size() - 1;
        const bool ranged = std::regex_search(head, m, range_header);
        if (ranged) first = std::stoull(m[1]), last = std::min<uint64_t>(std::stoull(m[2]), file_.size() - 1);
        const std::string etag = misbehaviour_ == Misbehaviour::etag_changes && n > 1 ? "\"v2\"" : "\"v1\"";
        auto answer = [&](const std::string& status, const std::string& headers, const uint8_t* body, size_t size, size_t declared) {
            const std::string text = "HTTP/1.1 " + status + "\r\nETag: " + etag + "\r\nContent-Length: " + std::to_string(declared) + "\r\n" +
                                     headers + "\r\n";
            return send_all(fd, text.data(), text.size()) && send_all(fd, body, size);
        };
        const std::string range = "Content-Range: bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(file_.size()) + "\r\n";
        const uint8_t* bytes = file_.data() + first;
        const size_t count = last - first + 1;
        bool ok = true;
        // The faults in a body spare the first byte's request, which opens
        // the file, so that they meet a reader of data.
        const bool body_fault = misbehaviour_ == Misbehaviour::short_body || misbehaviour_ == Misbehaviour::long_body ||
                                misbehaviour_ == Misbehaviour::wrong_range || misbehaviour_ == Misbehaviour::cut_connection ||
                                misbehaviour_ == Misbehaviour::stall;
        switch (body_fault && count == 1 ? Misbehaviour::none : misbehaviour_) {
            case Misbehaviour::fail_twice:
                if (n <= 2) {
                    ok = answer("503 Service Unavailable", "", nullptr, 0, 0);
                    break;
                }
                [[fallthrough]];
            case Misbehaviour::none:
            case Misbehaviour::etag_changes: ok = answer("206 Partial Content", range, bytes, count, count); break;
            case Misbehaviour::ignore_range: ok = answer("200 OK", "", file_.data(), file_.size(), file_.size()); break;
            case Misbehaviour::not_found: ok = answer("404 Not Found", "", nullptr, 0, 0); break;
            case Misbehaviour::forbidden: ok = answer("403 Forbidden", "", nullptr, 0, 0); break;
            case Misbehaviour::unsatisfiable: ok = answer("416 Range Not Satisfiable", "", nullptr, 0, 0); break;
            case Misbehaviour::short_body: ok = answer("206 Partial Content", range, bytes, count / 2, count / 2); break;
            case Misbehaviour::long_body: {
                std::vector<uint8_t> body(bytes, bytes + count);
                body.resize(count + 16);
                ok = answer("206 Partial Content", range, body.data(), body.size(), body.size());
                break;
            }
            case Misbehaviour::wrong_range: {
                const std::string wrong = "Content-Range: bytes " + std::to_string(first + 1) + "-" + std::to_string(last + 1) + "/" +
                                          std::to_string(file_.size()) + "\r\n";
                ok = answer("206 Partial Content", wrong, bytes, count, count);
                break;
            }
            case Misbehaviour::cut_connection:
                answer("206 Partial Content", range, bytes, count / 2, count);
                return;
            case Misbehaviour::stall: {
                const std::string text = "HTTP/1.1 206 Partial Content\r\nContent-Length: " + std::to_string(count) + "\r\n" + range + "\r\n";
                send_all(fd, text.data(), text.size());
                while (!stopping_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
                return;
            }
            case Misbehaviour::redirect_loop: ok = answer("302 Found", "Location: " + url() + "\r\n", nullptr, 0, 0); break;
        }
        if (!ok) return;
    }
}

}  // namespace gguf_test
