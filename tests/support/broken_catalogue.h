// The catalogue of broken files (after ggml's test-gguf.cpp): a small valid
// GGUF described field by field, and one case per defect that breaks exactly
// one field. Shared by the parser's tests and verify's, which must both
// refuse every case with a message naming the problem.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "format/header_writer.h"
#include "gguf/error.h"
#include "gguf/format/metadata.h"
#include "gguf/format/tensor_info.h"

namespace gguf_test {

// A GGUF file described field by field, so each case can break exactly one
// field, then serialised without any validation.
struct RawFile {
    uint32_t version = 3;
    gguf::Metadata metadata;
    std::vector<gguf::TensorInfo> tensors;
    uint64_t alignment = 32;

    RawFile();
    void add(const std::string& name, gguf::TensorType type, std::array<uint64_t, 4> ne, uint32_t n_dims);
    std::vector<uint8_t> bytes() const;
};

struct Case {
    std::string name;
    std::function<std::vector<uint8_t>()> make;
    gguf::ErrorCode code;
    std::string message_part;
};

std::vector<Case> catalogue();

// Names the case in test output instead of dumping its bytes.
inline void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

}  // namespace gguf_test
