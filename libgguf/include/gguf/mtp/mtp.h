// What a model holds of Multi-Token-Prediction (NextN) blocks, read from its
// header alone (never from its file name).
//
// llama.cpp's convention: `<arch>.nextn_predict_layers` = K > 0 marks the
// last K of `<arch>.block_count` blocks as MTP blocks. A file that has them
// all is bundled; one that declares K but lacks the trunk's first block is an
// MTP-only head (convert --mtp); one that declares K but lacks the NextN
// tensors carries no head.
//
// Thread safety: functions of a Model, which they only read.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "gguf/error.h"
#include "gguf/split/model.h"

namespace gguf {

enum class MtpLayout {
    none,           // no NextN layers declared
    bundled,        // trunk and MTP blocks in one model
    mtp_only,       // only the MTP blocks (+ embeddings and output head)
    head_missing,   // NextN layers declared, but their tensors are absent
};

std::string_view mtp_layout_name(MtpLayout layout);

// Which blocks are MTP blocks: the last `nextn_layers` of `block_count`.
// Every reader of the two keys asks this one type, so they agree; with
// nextn_layers >= block_count (summarize_mtp refuses it) all blocks count.
struct MtpBlockRange {
    uint32_t block_count = 0;   // all blocks, MTP ones included
    uint32_t nextn_layers = 0;  // K

    uint32_t first() const { return block_count - std::min(nextn_layers, block_count); }  // == block_count: none
    uint32_t trunk_blocks() const { return first(); }
    bool contains(int64_t block) const { return block >= first() && block < block_count; }
    std::vector<uint32_t> blocks() const;
};

struct MtpSummary {
    MtpLayout layout = MtpLayout::none;
    uint32_t nextn_layers = 0;         // K
    uint32_t block_count = 0;          // all blocks, MTP ones included
    MtpBlockRange range() const { return {block_count, nextn_layers}; }
    std::vector<uint32_t> blocks;      // block numbers of the MTP blocks
    size_t tensors = 0;                // the head's tensors: those of the MTP blocks and kHeadOnlyTensors (mtp_surgery.h)
    uint64_t bytes = 0;                // their data bytes
};

// Reads the NextN keys and classifies the tensors; errors when the keys
// contradict each other (K >= block_count, for example).
Result<MtpSummary> summarize_mtp(const Model& model);

// Block number of a "blk.N.*" tensor name, or -1.
int64_t block_number(std::string_view tensor_name);

}  // namespace gguf
