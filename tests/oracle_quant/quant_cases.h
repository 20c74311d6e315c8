// Inputs for the differential quantize tests: many seeds, row lengths and
// value and importance distributions, each case reproducible from its name.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "gguf/format/tensor_type.h"

namespace quant_cases {

struct Case {
    std::string name;             // "normal_len256_seed3_imatrix-uniform"
    std::vector<float> values;    // rows * row_length
    int64_t row_length = 0;
    std::vector<float> importance;  // empty or row_length
};

// Cases whose row lengths are whole blocks of `type`: row lengths 256..16384
// and odd multiples of the block size; distributions normal, heavy-tailed,
// all-zero rows, tiny and huge magnitudes, a single outlier; importance none,
// uniform, random, with zeros.
std::vector<Case> cases_for(gguf::TensorType type, bool with_importance);

// Where two quantized buffers first differ, as "row R block B byte K", or "".
std::string first_difference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, gguf::TensorType type,
                             int64_t row_length);

// The differential check every family runs: each case quantized by
// gguf-mtp and by ggml gives the same bytes, and ggml's bytes dequantize to
// the same floats through both; failures name the type, case, row and block.
void expect_quantize_matches_ggml(gguf::TensorType type, bool with_importance);

// Blocks of random bytes dequantize as ggml's to_float does. The fp16 fields
// at `half_offsets` in each block are kept finite (bit 0x40 of their high
// byte cleared); every half, NaNs included, is float_test's job.
void expect_random_blocks_dequantize_as_ggml(gguf::TensorType type, std::span<const int> half_offsets, uint64_t seed);

// Test names for (type, with_importance) parameters: "Q4_K_imatrix", "Q4_K_plain".
std::string type_and_importance_name(const std::tuple<gguf::TensorType, bool>& param);

}  // namespace quant_cases
