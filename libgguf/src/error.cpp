#include "gguf/error.h"

namespace gguf {

const char* error_code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::io: return "io";
        case ErrorCode::truncated: return "truncated";
        case ErrorCode::bad_format: return "bad_format";
        case ErrorCode::unsupported: return "unsupported";
        case ErrorCode::invalid_argument: return "invalid_argument";
        case ErrorCode::mismatch: return "mismatch";
        case ErrorCode::not_found: return "not_found";
    }
    return "unknown";
}

std::string Error::to_string() const {
    std::string out;
    if (!file.empty()) out += file + ": ";
    if (offset) out += "offset " + std::to_string(*offset) + ": ";
    out += message;
    return out;
}

}  // namespace gguf
