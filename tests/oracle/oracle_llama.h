// The reference llama.cpp (prebuilt libllama of the oracle, see
// scripts/setup-oracle.sh) driven the way its own tools drive it, so tests
// can ask what real llama.cpp makes of a file gguf-mtp wrote.
//
// Everything runs on the CPU backend, one sequence, a small context. Failures
// come back as values whose message carries llama.cpp's own error log lines;
// the rest of its log is kept out of test output (see take_log).
#pragma once

#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <vector>

#include "gguf/compat/llama_release.h"

namespace oracle {

template <class T>
using Result = std::expected<T, std::string>;

// The llama.cpp release these libraries come from: gguf-mtp's side of each
// comparison runs as that release does (--compat).
gguf::LlamaRelease release();

// Loads the CPU backends from the oracle directory and captures llama.cpp's
// log; once per process, before anything else here.
void init();

// Everything llama.cpp logged since the last call, and forgets it.
std::string take_log();

struct LayerCounts {
    int32_t n_layer = 0;        // llama_model_n_layer: the trunk's blocks
    int32_t n_layer_nextn = 0;  // llama_model_n_layer_nextn
};

Result<LayerCounts> load_counts(const std::string& path, bool load_mtp);

// Decodes `tokens` (positions 0..n-1) and returns the logits of the last one.
Result<std::vector<float>> last_logits(const std::string& path, bool load_mtp, std::span<const int32_t> tokens);

// The MTP drafter of common/speculative.cpp, followed step for step: the
// target decodes `tokens` and exposes its NextN hidden states; the MTP
// context (on the target's own head, or on `draft_path`, an MTP-only model)
// catches up on them, once per head, and then drafts after `next_token`.
// With K chained heads (step35) head i drafts from the prefix drafted so far
// (next_token, then heads 0..i-1's argmax tokens) with the hidden states the
// previous heads produced. Returns the draft logits of every head, K of them.
Result<std::vector<std::vector<float>>> mtp_draft_logits(const std::string& target_path, const std::string& draft_path,
                                                         std::span<const int32_t> tokens, int32_t next_token);

// llama_model_quantize, as llama-quantize calls it: `importance` maps tensor
// names to the weights llama-quantize derives from an imatrix, and `keys` are
// the key overrides it passes (--override-kv, then quantize.imatrix.*).
struct KeyOverride {
    enum class Kind { integer, floating, boolean, text };
    std::string key;
    Kind kind = Kind::text;
    std::string text;
    int64_t number = 0;
    double real = 0;
    bool flag = false;
};
struct QuantizeParams {
    uint32_t ftype = 7;
    bool pure = false;
    bool only_copy = false;            // COPY
    bool leave_output_tensor = false;
    bool keep_split = false;
    bool allow_requantize = false;
    int threads = 2;
    int output_tensor_type = -1;       // ggml type id, -1: not given
    int token_embedding_type = -1;
    std::vector<std::pair<std::string, int>> tensor_types;  // pattern, ggml type id
    std::vector<int32_t> prune_layers;
    std::vector<std::pair<std::string, std::vector<float>>> importance;
    std::vector<KeyOverride> keys;
};
Result<bool> quantize(const std::string& input, const std::string& output, const QuantizeParams& params);

}  // namespace oracle
