// A GGUF file opened for reading.
//
// Opening parses and validates the whole header (key/values and tensor
// infos) against the bytes the file really has, before anything is
// allocated from a count or length it declares: a hostile header cannot make
// gguf-mtp allocate gigabytes, overflow or read outside the file. Tensor data
// is mapped read-only and is only touched when a caller reads it.
//
// Accepted: GGUF v2 and v3, little-endian. Refused with a one-line error
// naming the file, offset and what was expected: v1, big-endian files, unknown
// value or tensor types, duplicate keys or tensor names, dimensions or sizes
// that overflow, tensor data that is misaligned, overlapping or outside the
// file, names longer than ggml's 63 bytes.
//
// Thread safety: an open GgufFile is immutable; its const methods, reads of
// tensor data included (pread), may run on many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gguf/error.h"
#include "gguf/format/metadata.h"
#include "gguf/format/tensor_info.h"
#include "gguf/io/file_identity.h"
#include "gguf/format/read_options.h"
#include "gguf/io/remote.h"

namespace gguf {

inline constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as little-endian u32
inline constexpr uint64_t kDefaultAlignment = 32;

// The parsed header of a GGUF file, independent of where its bytes live.
struct GgufHeader {
    uint32_t version = 3;
    Metadata metadata;
    std::vector<TensorInfo> tensors;
    uint64_t alignment = kDefaultAlignment;
    uint64_t header_bytes = 0;  // magic to the end of the tensor infos
    uint64_t data_offset = 0;   // start of the data section (aligned)
    Dialect dialect = Dialect::mainline;  // how its type ids are read (format/dialect.h)
};

// Parses a header from `bytes`, which hold the start of a file whose full
// size is `file_size` (tensor extents are checked against it). When `bytes`
// is shorter than the file and the header runs past its end, the error code
// is `truncated` and the caller may retry with more bytes. `dialect`, when
// given, is the dialect the type ids are read in (format/dialect.h).
Result<GgufHeader> parse_header(std::span<const uint8_t> bytes, uint64_t file_size, const std::string& file_name,
                                std::optional<Dialect> dialect = std::nullopt);

class ReadableFile;

// What a caller will read of a file it opens.
enum class OpenFor {
    data,     // header and tensor data, read anywhere: a .zst input is decompressed into a temporary copy
    copying,  // header and tensor data, read front to back (surgery): a .zst input streams, with no temporary copy
    header,   // the header only: a .zst input is decompressed just that far, with no temporary copy
};

class GgufFile {
public:
    // A .gguf.zst file opens as the GGUF it holds. OpenFor::data decompresses
    // it into an unnamed temporary file (in $TMPDIR) that any thread may read
    // anywhere; OpenFor::copying decompresses as the data is read (reading
    // back restarts the stream: correct, only slower), and tensor_data()
    // (a mapping) is not there; OpenFor::header reads no data at all.
    // A URL (gguf/io/remote.h) opens with range requests: the header, then
    // only the tensor data that is read.
    static Result<GgufFile> open(const std::string& path, OpenFor purpose = OpenFor::data, const ReadOptions& options = {});

    GgufFile(GgufFile&&) noexcept;
    GgufFile& operator=(GgufFile&&) noexcept;
    ~GgufFile();

    const std::string& path() const { return path_; }
    const GgufHeader& header() const { return header_; }
    uint32_t version() const { return header_.version; }
    const Metadata& metadata() const { return header_.metadata; }
    const std::vector<TensorInfo>& tensors() const { return header_.tensors; }
    uint64_t alignment() const { return header_.alignment; }
    uint64_t data_offset() const { return header_.data_offset; }
    uint64_t file_size() const { return size_; }
    FileIdentity identity() const { return identity_; }
    // Whether tensor_data() can be read (opened for data); fd() is -1 when not.
    bool has_data() const { return data_ != nullptr; }
    int fd() const;
    // Bytes of a URL received so far (its header, the data read since), for
    // progress displays; 0 for a local file.
    uint64_t bytes_fetched() const;
    // A URL's version, as its server gave it when opened; empty for a local file.
    const RemoteVersion& remote_version() const { return remote_version_; }

    // Index of a tensor by name, or -1.
    int64_t find_tensor(std::string_view name) const;
    // Absolute file offset of a tensor's data.
    uint64_t tensor_file_offset(size_t index) const { return header_.data_offset + header_.tensors[index].offset; }
    // The tensor's bytes, through the read-only mapping.
    std::span<const uint8_t> tensor_data(size_t index) const;
    // out.size() bytes of the tensor's data from `offset` within it, read
    // (not mapped): a file that shrinks while being read is an error naming
    // it and the offset, where touching the mapping would kill the process.
    Status read_tensor_data(size_t index, uint64_t offset, std::span<uint8_t> out) const;
    // The bytes the tensor keeps after its rows (tensor_trailer_bytes:
    // ik_llama.cpp's I2_S keeps its scale there), read; empty for most types.
    Result<std::vector<uint8_t>> read_tensor_trailer(size_t index) const;
    // out.size() bytes at `file_offset`, anywhere in the file (several
    // tensors and the padding between them in one read).
    Status read_bytes(uint64_t file_offset, std::span<uint8_t> out) const;

private:
    GgufFile() = default;
    std::string path_;
    GgufHeader header_;
    uint64_t size_ = 0;
    FileIdentity identity_;
    RemoteVersion remote_version_;
    std::unique_ptr<ReadableFile> data_;
};

}  // namespace gguf
