#include "gguf/format/gguf_file.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "data_extents.h"
#include "../io/http_range_file.h"
#include "../io/mapped_file.h"
#include "../programmer_error.h"
#include "../io/zstd_reader.h"
#include "../io/zstd_stream_file.h"

namespace gguf {
namespace {

struct StreamedHeader {
    GgufHeader header;
    uint64_t file_size = 0;
    FileIdentity identity;
};

Result<uint64_t> decompressed_size(const std::string& path) {
    auto counter = ZstdReader::open(path);
    if (!counter) return std::unexpected(counter.error());
    return (*counter)->count_to_end();
}

// Decompresses ever longer prefixes of a .zst stream until parse_header
// has the whole header. Its tensor extents are checked against the size the
// first frame declares, or, when it declares none (or the header does not
// fit it: a stream of several frames), against the size counted by
// decompressing the stream once more without keeping anything.
// Appends to `prefix` the bytes that follow it, up to `want` in all (fewer
// at the end of the file).
using ExtendPrefix = std::function<Status(std::vector<uint8_t>& prefix, uint64_t want)>;

// Parses the header from ever longer prefixes of a file read from its
// start, growing ×4 from 256 KiB while the header runs on (a large
// vocabulary); `prefix` keeps what was read, for a caller that retries.
Result<GgufHeader> parse_growing_header(std::vector<uint8_t>& prefix, const ExtendPrefix& extend, uint64_t file_size,
                                        const std::string& path, std::optional<Dialect> dialect) {
    uint64_t want = std::max<uint64_t>(prefix.size(), 256u << 10);
    for (;;) {
        if (auto ok = extend(prefix, want); !ok) return std::unexpected(ok.error());
        auto header = parse_header(prefix, file_size, path, dialect);
        if (header || header.error().code != ErrorCode::truncated || prefix.size() < want) return header;
        want *= 4;
    }
}

Result<StreamedHeader> stream_header(const std::string& path, std::optional<Dialect> dialect) {
    auto reader = ZstdReader::open(path);
    if (!reader) return std::unexpected(reader.error());
    StreamedHeader out;
    out.identity = (*reader)->identity();
    bool counted = !(*reader)->declared_size();
    if (counted) {
        auto size = decompressed_size(path);
        if (!size) return std::unexpected(size.error());
        out.file_size = *size;
    } else {
        out.file_size = *(*reader)->declared_size();
    }
    std::vector<uint8_t> prefix;
    const ExtendPrefix extend = [&](std::vector<uint8_t>& bytes, uint64_t want) { return (*reader)->read_to(bytes, want); };
    for (;;) {
        auto header = parse_growing_header(prefix, extend, out.file_size, path, dialect);
        if (header) {
            out.header = std::move(*header);
            return out;
        }
        if (counted) return std::unexpected(header.error());
        auto size = decompressed_size(path);
        if (!size) return std::unexpected(size.error());
        counted = true;
        if (*size == out.file_size) return std::unexpected(header.error());
        out.file_size = *size;
    }
}

// A remote file's header, read with range requests.
Result<GgufHeader> fetch_header(const HttpRangeFile& file, const std::string& path, std::optional<Dialect> dialect) {
    std::vector<uint8_t> prefix;
    const ExtendPrefix extend = [&](std::vector<uint8_t>& bytes, uint64_t want) -> Status {
        const uint64_t from = bytes.size(), to = std::min(want, file.size());
        if (to <= from) return {};
        bytes.resize(to);
        return file.read_at(from, std::span(bytes).subspan(from), path);
    };
    return parse_growing_header(prefix, extend, file.size(), path, dialect);
}

constexpr uint64_t kReleaseStep = 1 << 20;

}  // namespace

Result<GgufFile> GgufFile::open(const std::string& path, OpenFor purpose, const ReadOptions& options) {
    GgufFile f;
    f.path_ = path;
    if (is_remote(path)) {
        auto url = resolve_remote(path, options.remote);
        if (!url) return std::unexpected(url.error());
        auto data = HttpRangeFile::open(path, *url, options.remote);
        if (!data) return std::unexpected(data.error());
        auto header = fetch_header(**data, path, options.dialect);
        if (!header) return std::unexpected(header.error());
        f.header_ = std::move(*header);
        f.size_ = (*data)->size();
        f.remote_version_ = (*data)->version();
        if (purpose != OpenFor::header) f.data_ = std::move(*data);
        return f;
    }
    if (purpose != OpenFor::data && is_zstd_path(path)) {
        auto streamed = stream_header(path, options.dialect);
        if (!streamed) return std::unexpected(streamed.error());
        f.header_ = std::move(streamed->header);
        f.size_ = streamed->file_size;
        f.identity_ = streamed->identity;
        if (purpose == OpenFor::copying) {
            auto data = ZstdStreamFile::open(path, f.size_);
            if (!data) return std::unexpected(data.error());
            f.data_ = std::move(*data);
        }
        return f;
    }
    auto map = MappedFile::open(path);
    if (!map) return std::unexpected(map.error());
    // Released a few MiB at a time as the parser moves on, so the mapped
    // header and the values' copies of it are not in memory together.
    uint64_t released = 0;
    const detail::ParsedUpTo release = [&](uint64_t parsed) {
        if (parsed < released + kReleaseStep) return;
        (*map)->release(parsed);
        released = parsed;
    };
    auto header = detail::parse_header((*map)->bytes(), (*map)->size(), path, release, options.dialect);
    if (!header) return std::unexpected(header.error());
    (*map)->release(header->header_bytes);
    f.header_ = std::move(*header);
    f.size_ = (*map)->size();
    f.identity_ = (*map)->identity();
    f.data_ = std::move(*map);
    return f;
}

GgufFile::GgufFile(GgufFile&&) noexcept = default;
GgufFile& GgufFile::operator=(GgufFile&&) noexcept = default;
GgufFile::~GgufFile() = default;

int GgufFile::fd() const { return data_ ? data_->fd() : -1; }

uint64_t GgufFile::bytes_fetched() const { return data_ ? data_->bytes_fetched() : 0; }

int64_t GgufFile::find_tensor(std::string_view name) const {
    for (size_t i = 0; i < header_.tensors.size(); ++i) {
        if (header_.tensors[i].name == name) return static_cast<int64_t>(i);
    }
    return -1;
}

std::span<const uint8_t> GgufFile::tensor_data(size_t index) const {
    GGUF_MTP_EXPECT(data_ && !data_->mapping().empty(), "tensor_data() of a file opened for its data (OpenFor::data)");
    const TensorInfo& t = header_.tensors[index];
    return data_->mapping().subspan(tensor_file_offset(index), t.n_bytes);
}

Status GgufFile::read_tensor_data(size_t index, uint64_t offset, std::span<uint8_t> out) const {
    GGUF_MTP_EXPECT(data_, "read_tensor_data() of a file opened for its data, not its header only");
    GGUF_MTP_EXPECT(index < header_.tensors.size() && offset + out.size() <= header_.tensors[index].n_bytes,
                    "a read inside one of the file's tensors");
    return read_bytes(tensor_file_offset(index) + offset, out);
}

Result<std::vector<uint8_t>> GgufFile::read_tensor_trailer(size_t index) const {
    const TensorInfo& t = header_.tensors[index];
    std::vector<uint8_t> trailer(tensor_trailer_bytes(t.type));
    if (trailer.empty()) return trailer;
    if (auto read = read_tensor_data(index, t.n_bytes - trailer.size(), trailer); !read) return std::unexpected(read.error());
    return trailer;
}

Status GgufFile::read_bytes(uint64_t file_offset, std::span<uint8_t> out) const {
    GGUF_MTP_EXPECT(data_, "read_bytes() of a file opened for its data, not its header only");
    return data_->read_at(file_offset, out, path_);
}

}  // namespace gguf
