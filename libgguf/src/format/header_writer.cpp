#include "header_writer.h"

#include "gguf/format/gguf_file.h"
#include "little_endian.h"

namespace gguf::detail {

void assign_offsets(std::span<TensorInfo> tensors, uint64_t alignment) {
    uint64_t offset = 0;
    for (auto& t : tensors) {
        t.offset = offset;
        offset += align_up(t.n_bytes, alignment);
    }
}

namespace {

constexpr size_t kPieceBytes = 64 << 10;

// Gathers small fields into pieces for the sink; a large span goes to the
// sink as it is, after what was gathered before it.
class PieceWriter {
public:
    explicit PieceWriter(const HeaderSink& sink) : sink_(sink) { pending_.reserve(kPieceBytes); }

    std::vector<uint8_t>& pending() { return pending_; }
    uint64_t written() const { return written_ + pending_.size(); }

    Status add(std::span<const uint8_t> bytes) {
        if (pending_.size() + bytes.size() <= kPieceBytes) {
            append_bytes(pending_, bytes);
            return {};
        }
        if (auto ok = flush(); !ok) return ok;
        if (bytes.size() <= kPieceBytes) {
            append_bytes(pending_, bytes);
            return {};
        }
        written_ += bytes.size();
        return sink_(bytes);
    }
    // Pending fields go out once they fill a piece.
    Status flush_if_full() { return pending_.size() >= kPieceBytes ? flush() : Status{}; }
    Status flush() {
        if (pending_.empty()) return {};
        written_ += pending_.size();
        auto ok = sink_(pending_);
        pending_.clear();
        return ok;
    }

private:
    const HeaderSink& sink_;
    std::vector<uint8_t> pending_;
    uint64_t written_ = 0;
};

}  // namespace

Status write_header(uint32_t version, const Metadata& metadata, std::span<const TensorInfo> tensors,
                    uint64_t alignment, const HeaderSink& sink) {
    PieceWriter out(sink);
    append_le<uint32_t>(out.pending(), kGgufMagic);
    append_le<uint32_t>(out.pending(), version);
    append_le<uint64_t>(out.pending(), tensors.size());
    append_le<uint64_t>(out.pending(), metadata.size());
    for (const auto& kv : metadata.entries()) {
        append_gguf_string(out.pending(), kv.key);
        append_le<uint32_t>(out.pending(), static_cast<uint32_t>(kv.value.type()));
        if (auto ok = out.add(kv.value.encoded()); !ok) return ok;
    }
    for (const auto& t : tensors) {
        append_gguf_string(out.pending(), t.name);
        append_le<uint32_t>(out.pending(), t.n_dims);
        for (uint32_t d = 0; d < t.n_dims; ++d) append_le<int64_t>(out.pending(), static_cast<int64_t>(t.ne[d]));
        append_le<uint32_t>(out.pending(), file_id_of(t.type));
        append_le<uint64_t>(out.pending(), t.offset);
        if (auto ok = out.flush_if_full(); !ok) return ok;
    }
    out.pending().resize(out.pending().size() + (align_up(out.written(), alignment) - out.written()), 0);
    return out.flush();
}

uint64_t header_size(uint32_t version, const Metadata& metadata, std::span<const TensorInfo> tensors, uint64_t alignment) {
    uint64_t size = 0;
    (void)write_header(version, metadata, tensors, alignment, [&](std::span<const uint8_t> piece) -> Status {
        size += piece.size();
        return {};
    });
    return size;
}

std::vector<uint8_t> serialize_header(uint32_t version, const Metadata& metadata,
                                      std::span<const TensorInfo> tensors, uint64_t alignment) {
    std::vector<uint8_t> out;
    (void)write_header(version, metadata, tensors, alignment, [&](std::span<const uint8_t> piece) -> Status {
        append_bytes(out, piece);
        return {};
    });
    return out;
}

}  // namespace gguf::detail
