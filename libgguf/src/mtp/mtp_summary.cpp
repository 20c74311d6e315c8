#include <charconv>

#include "gguf/mtp/mtp.h"
#include "gguf/mtp/mtp_surgery.h"

namespace gguf {

std::string_view mtp_layout_name(MtpLayout layout) {
    switch (layout) {
        case MtpLayout::none: return "none";
        case MtpLayout::bundled: return "bundled";
        case MtpLayout::mtp_only: return "mtp-only";
        case MtpLayout::head_missing: return "head-missing";
    }
    return "unknown";
}

int64_t block_number(std::string_view name) {
    constexpr std::string_view prefix = "blk.";
    if (name.substr(0, prefix.size()) != prefix) return -1;
    const char* begin = name.data() + prefix.size();
    const char* end = name.data() + name.size();
    uint32_t n = 0;
    auto [ptr, ec] = std::from_chars(begin, end, n);
    if (ec != std::errc() || ptr == begin || ptr == end || *ptr != '.') return -1;
    return n;
}

std::vector<uint32_t> MtpBlockRange::blocks() const {
    std::vector<uint32_t> out;
    for (uint32_t b = first(); b < block_count; ++b) out.push_back(b);
    return out;
}

Result<MtpSummary> summarize_mtp(const Model& model) {
    const Metadata& m = model.metadata();
    MtpSummary s;
    const std::string nextn_key = m.arch_key("nextn_predict_layers");
    const std::string blocks_key = m.arch_key("block_count");
    if (const Value* v = m.find(blocks_key)) {
        auto n = v->as_uint();
        if (!n || *n > UINT32_MAX) return fail(ErrorCode::bad_format, model.path(), blocks_key + " is not a block count: " + v->to_display());
        s.block_count = static_cast<uint32_t>(*n);
    }
    if (const Value* v = m.find(nextn_key)) {
        auto k = v->as_uint();
        if (!k || *k > UINT32_MAX) return fail(ErrorCode::bad_format, model.path(), nextn_key + " is not a layer count: " + v->to_display());
        s.nextn_layers = static_cast<uint32_t>(*k);
    }
    if (s.nextn_layers == 0) return s;
    if (s.nextn_layers >= s.block_count) {
        return fail(ErrorCode::bad_format, model.path(), nextn_key + " is " + std::to_string(s.nextn_layers) +
                                                             " but " + blocks_key + " is only " + std::to_string(s.block_count));
    }
    const MtpBlockRange range = s.range();
    const uint32_t first = range.first();
    s.blocks = range.blocks();
    // Any tensor of block 0 shows the trunk: not every architecture has the
    // same first tensor (exaone4's blocks norm after attention, no attn_norm).
    bool has_trunk = first == 0;
    for (auto ref : model.tensors()) {
        const TensorInfo& t = model.info(ref);
        if (block_number(t.name) == 0) has_trunk = true;
        // ik's output_extra.weight is the head's output: it counts with the blocks.
        if (range.contains(block_number(t.name)) || is_head_only_tensor(t.name)) {
            ++s.tensors;
            s.bytes += t.n_bytes;
        }
    }
    const bool has_head = model.find("blk." + std::to_string(first) + ".nextn.eh_proj.weight").has_value();
    if (!has_head) s.layout = MtpLayout::head_missing;
    else if (!has_trunk) s.layout = MtpLayout::mtp_only;
    else s.layout = MtpLayout::bundled;
    return s;
}

}  // namespace gguf
