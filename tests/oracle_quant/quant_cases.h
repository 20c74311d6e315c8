// Inputs for the differential quantize tests: many seeds, row lengths and
// value and importance distributions, each case reproducible from its name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/tensor_type.h"

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

}  // namespace quant_cases
