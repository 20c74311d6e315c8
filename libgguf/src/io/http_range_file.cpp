#include "http_range_file.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

#include "curl_library.h"

namespace gguf {

// One request's answer as the callbacks saw it.
struct HttpRangeFile::Transfer {
    CURL* handle = nullptr;
    std::span<uint8_t> out;  // where the wanted bytes go
    uint64_t offset = 0;     // of out[0] in the file
    bool read_through_whole = false;  // a 200 answer may be read through to `offset`
    long status = 0;
    std::string content_range, etag, last_modified, commit;
    uint64_t body = 0;       // body bytes received
    bool too_long = false;   // a 206 body longer than asked
    bool whole_file = false; // a 200 answer to a ranged request
    bool complete = false;   // every wanted byte arrived (a 200 read through is then cut)
};

namespace {

// Why no connection could be started.
std::string no_connection_reason() {
    const std::string& error = curl_library().error;
    return "cannot start an HTTP request (" + (error.empty() ? std::string("curl_easy_init failed") : error) + ")";
}

bool header_is(std::string_view line, std::string_view name) {
    if (line.size() <= name.size() || line[name.size()] != ':') return false;
    return std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); });
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
    return s;
}

struct ContentRange {
    uint64_t first = 0, last = 0, total = 0;
};

// "bytes FIRST-LAST/TOTAL"; nullopt for anything else.
std::optional<ContentRange> parse_content_range(std::string_view v) {
    if (!v.starts_with("bytes ")) return std::nullopt;
    v.remove_prefix(6);
    ContentRange r;
    auto number = [&](uint64_t& out, char stop) {
        size_t i = 0;
        out = 0;
        for (; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i) out = out * 10 + static_cast<uint64_t>(v[i] - '0');
        if (i == 0 || (stop && (i >= v.size() || v[i] != stop)) || (!stop && i != v.size())) return false;
        v.remove_prefix(stop ? i + 1 : i);
        return true;
    };
    if (!number(r.first, '-') || !number(r.last, '/') || !number(r.total, 0) || r.last < r.first) return std::nullopt;
    return r;
}

using Transfer = HttpRangeFile::Transfer;

// Reads of at least two pieces go on up to kConnections connections at once.
constexpr uint64_t kParallelPiece = 4ull << 20;
constexpr size_t kConnections = 4;


size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto& t = *static_cast<Transfer*>(user);
    const std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {  // a new answer (after a redirect): forget the last one's headers
        t.content_range.clear();
        t.etag.clear();
        t.last_modified.clear();
        t.commit.clear();
    } else if (header_is(line, "content-range")) {
        t.content_range = trimmed(line.substr(14));
    } else if (header_is(line, "etag")) {
        t.etag = trimmed(line.substr(5));
    } else if (header_is(line, "last-modified")) {
        t.last_modified = trimmed(line.substr(14));
    } else if (header_is(line, "x-repo-commit")) {
        t.commit = trimmed(line.substr(14));
    }
    return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto& t = *static_cast<Transfer*>(user);
    const size_t n = size * count;
    if (t.body == 0) curl_library().easy_getinfo(t.handle, CURLINFO_RESPONSE_CODE, &t.status);
    const uint64_t at = t.body;
    t.body += n;
    if (t.status == 206) {
        if (at + n > t.out.size()) {
            t.too_long = true;
            return 0;
        }
        std::memcpy(t.out.data() + at, data, n);
        return n;
    }
    if (t.status != 200) return n;  // an error page: only its status matters
    t.whole_file = true;
    if (!t.read_through_whole) return 0;
    // The whole file: keep the part that was asked for, and stop once it is here.
    const uint64_t begin = std::max(at, t.offset), end = std::min(at + n, t.offset + t.out.size());
    if (begin < end) std::memcpy(t.out.data() + (begin - t.offset), data + (begin - at), end - begin);
    if (at + n >= t.offset + t.out.size()) {
        t.complete = true;
        return 0;
    }
    return n;
}

bool worth_retrying(CURLcode code) {
    switch (code) {
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_COULDNT_CONNECT:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE:
        case CURLE_GOT_NOTHING:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM: return true;
        default: return false;
    }
}

}  // namespace

struct HttpRangeFile::Connection {
    CURL* handle = nullptr;
    curl_slist* headers = nullptr;
    ~Connection() {
        if (handle) curl_library().easy_cleanup(handle);
        if (headers) curl_library().slist_free_all(headers);
    }
};

HttpRangeFile::~HttpRangeFile() = default;

std::unique_ptr<HttpRangeFile::Connection> HttpRangeFile::take_connection() const {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return c;
        }
    }
    const CurlLibrary& curl = curl_library();
    if (!curl.error.empty()) return nullptr;
    auto c = std::make_unique<Connection>();
    c->handle = curl.easy_init();
    if (!c->handle) return nullptr;
    CURL* h = c->handle;
    curl.easy_setopt(h, CURLOPT_URL, url_.c_str());
    curl.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl.easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
    curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, options_.stall_seconds);
    curl.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, options_.stall_seconds);
    curl.easy_setopt(h, CURLOPT_USERAGENT, "gguf-mtp");
    curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    // Sent to the first host only: curl leaves custom Authorization headers
    // off a redirect to another host (the Hub's CDN URLs are signed).
    if (!options_.token.empty()) {
        const std::string bearer = "Authorization: Bearer " + options_.token;
        c->headers = curl.slist_append(nullptr, bearer.c_str());
        curl.easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
    }
    return c;
}

void HttpRangeFile::give_back(std::unique_ptr<Connection> connection) const {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
}

// One ranged GET, retried with backoff where the failure may pass (a
// timeout, a cut connection, a 5xx, a short body). Returns the transfer of
// a 206 answer with its whole body, or of a 200 answer (whole_file), or
// the error that no retry helps.
Result<HttpRangeFile::Transfer> HttpRangeFile::fetch(Connection& connection, uint64_t offset, std::span<uint8_t> out, const std::string& name) const {
    const CurlLibrary& curl = curl_library();  // loaded: the connection exists
    CURL* h = connection.handle;
    const std::string range = std::to_string(offset) + "-" + std::to_string(offset + out.size() - 1);
    const unsigned attempts = std::max(1u, options_.attempts);
    std::string last_problem;
    for (unsigned attempt = 0; attempt < attempts; ++attempt) {
        if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200) * (1 << std::min(attempt - 1, 5u)));
        Transfer t;
        t.handle = h;
        t.out = out;
        t.offset = offset;
        t.read_through_whole = !honours_range_;
        curl.easy_setopt(h, CURLOPT_RANGE, range.c_str());
        curl.easy_setopt(h, CURLOPT_HEADERDATA, &t);
        curl.easy_setopt(h, CURLOPT_WRITEDATA, &t);
        const CURLcode code = curl.easy_perform(h);
        fetched_ += t.body;
        if (t.status == 0) curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &t.status);
        if (t.complete || (t.whole_file && !t.read_through_whole)) return t;
        if (code == CURLE_TOO_MANY_REDIRECTS) return fail(ErrorCode::io, name, "too many redirects (a redirect loop?) fetching bytes " + range);
        if (t.too_long) return fail(ErrorCode::bad_format, name, "the server sent more than the " + std::to_string(out.size()) + " bytes asked for", offset);
        if ((code != CURLE_OK && worth_retrying(code)) || t.status >= 500) {
            last_problem = code != CURLE_OK ? std::string(curl.easy_strerror(code)) : "HTTP " + std::to_string(t.status);
            continue;
        }
        if (t.status == 404) return fail(ErrorCode::not_found, name, "not found (HTTP 404)");
        if (t.status == 401 || t.status == 403) {
            return fail(ErrorCode::io, name, "access denied (HTTP " + std::to_string(t.status) + "): a gated or private file needs a token",
                        Remedy::give_token);
        }
        if (t.status == 416) return fail(ErrorCode::truncated, name, "the server has no bytes " + range + " (HTTP 416)", offset);
        if (code != CURLE_OK) return fail(ErrorCode::io, name, std::string("HTTP request failed: ") + curl.easy_strerror(code));
        if (t.status != 206) return fail(ErrorCode::io, name, "HTTP " + std::to_string(t.status) + " for bytes " + range + ", expected 206");
        if (t.body != out.size()) {
            last_problem = "a body of " + std::to_string(t.body) + " bytes for the " + std::to_string(out.size()) + " asked for";
            continue;
        }
        return t;
    }
    return fail(ErrorCode::io, name, "bytes " + range + " failed " + std::to_string(attempts) + " times; last: " + last_problem);
}

Status HttpRangeFile::read_at(uint64_t offset, std::span<uint8_t> out, const std::string& name) const {
    if (out.empty()) return {};
    if (offset + out.size() > size_) {
        return fail(ErrorCode::truncated, name, "a read of " + std::to_string(out.size()) + " bytes past the file's " + std::to_string(size_), offset);
    }
    if (out.size() < 2 * kParallelPiece || !honours_range_) return read_range(offset, out, name);
    // One connection seldom fills a fast link: large reads go as pieces on
    // several connections at once.
    const size_t pieces = (out.size() + kParallelPiece - 1) / kParallelPiece;
    std::vector<Status> results(pieces);
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i; (i = next++) < pieces;) {
            const uint64_t at = i * kParallelPiece;
            results[i] = read_range(offset + at, out.subspan(at, std::min<uint64_t>(kParallelPiece, out.size() - at)), name);
        }
    };
    std::vector<std::thread> helpers;
    for (size_t t = 1; t < std::min<size_t>(pieces, kConnections); ++t) helpers.emplace_back(work);
    work();
    for (auto& h : helpers) h.join();
    for (auto& r : results) {
        if (!r) return r;
    }
    return {};
}

Status HttpRangeFile::read_range(uint64_t offset, std::span<uint8_t> out, const std::string& name) const {
    auto connection = take_connection();
    if (!connection) return fail(ErrorCode::io, name, no_connection_reason());
    auto t = fetch(*connection, offset, out, name);
    if (!t) return std::unexpected(t.error());
    if (!t->complete) {
        const auto got = parse_content_range(t->content_range);
        if (!got || got->first != offset || got->last != offset + out.size() - 1 || got->total != size_) {
            return fail(ErrorCode::bad_format, name, "the server answered a range with Content-Range '" + t->content_range + "', expected 'bytes " +
                                                         std::to_string(offset) + "-" + std::to_string(offset + out.size() - 1) + "/" +
                                                         std::to_string(size_) + "'");
        }
    }
    if (!version_.etag.empty() && !t->etag.empty() && t->etag != version_.etag) {
        return fail(ErrorCode::mismatch, name, "the file changed on the server while being read (ETag " + version_.etag + ", now " + t->etag + ")");
    }
    give_back(std::move(connection));
    return {};
}

Result<std::unique_ptr<HttpRangeFile>> HttpRangeFile::open(const std::string& name, const std::string& url, const RemoteOptions& options) {
    std::unique_ptr<HttpRangeFile> file(new HttpRangeFile);
    file->url_ = url;
    file->options_ = options;
    auto connection = file->take_connection();
    if (!connection) return fail(ErrorCode::io, name, no_connection_reason());
    // The first byte, asked for as a range, tells the size and whether ranges work.
    uint8_t first = 0;
    auto t = file->fetch(*connection, 0, std::span(&first, 1), name);
    if (!t) return std::unexpected(t.error());
    file->version_ = {t->etag, t->last_modified, t->commit};
    if (t->whole_file) {
        if (!options.allow_full_download) {
            return fail(ErrorCode::unsupported, name, "the server ignores Range requests (it answered HTTP 200 with the whole file)",
                        Remedy::allow_full_download);
        }
        curl_off_t length = -1;
        curl_library().easy_getinfo(connection->handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
        if (length < 0) return fail(ErrorCode::unsupported, name, "the server ignores Range requests and sends no Content-Length");
        file->size_ = static_cast<uint64_t>(length);
        file->honours_range_ = false;
    } else {
        const auto got = parse_content_range(t->content_range);
        if (!got || got->first != 0 || got->last != 0) {
            return fail(ErrorCode::bad_format, name, "the server answered bytes 0-0 with Content-Range '" + t->content_range + "', expected 'bytes 0-0/SIZE'");
        }
        file->size_ = got->total;
    }
    file->give_back(std::move(connection));
    return file;
}

}  // namespace gguf
