// Errors as values.
//
// Every fallible libgguf function returns Result<T> (std::expected). An Error
// carries a stable code (scripts and JSON output match on its name), the file
// it concerns, the byte offset where the problem was found when there is one,
// and a message that says what was expected. The library never prints and
// never exits; callers decide how to report.
//
// Thread safety: Error and Result are plain values.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

namespace gguf {

enum class ErrorCode {
    io,                // the operating system refused a read, write, open or rename
    truncated,         // the file ends before a structure it declares
    bad_format,        // bytes that do not follow the GGUF format
    unsupported,       // valid but not handled (GGUF v1, a removed tensor type)
    invalid_argument,  // the caller asked for something impossible
    mismatch,          // inputs that do not belong together
    not_found,         // a key, tensor or file that should exist does not
};

// Stable, lower-case name of a code ("bad_format"), for messages and JSON.
const char* error_code_name(ErrorCode code);

// Where the library stopped by policy rather than necessity, what the caller
// could allow to go on; a front end names its own switch for it.
enum class Remedy {
    none,
    replace_output,             // WriteOptions::overwrite
    give_importance,            // QuantizeOptions::imatrix
    choose_missing_importance,  // QuantizeOptions::missing_importance
    allow_requantize,           // QuantizeOptions::allow_requantize
    allow_non_finite,           // QuantizeOptions::allow_non_finite
    give_token,                 // RemoteOptions::token
    allow_full_download,        // RemoteOptions::allow_full_download
};

struct Error {
    ErrorCode code = ErrorCode::bad_format;
    std::string file;                  // may be empty when no file is involved
    std::optional<uint64_t> offset;    // byte offset in `file`
    std::string message;               // what was found and what was expected
    Remedy remedy = Remedy::none;

    // One line: "FILE: offset N: MESSAGE" (parts that are absent are left out).
    std::string to_string() const;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

inline std::unexpected<Error> fail(ErrorCode code, std::string file, std::string message,
                                   std::optional<uint64_t> offset = std::nullopt) {
    return std::unexpected(Error{code, std::move(file), offset, std::move(message)});
}

// A refusal that `remedy` would lift.
inline std::unexpected<Error> fail(ErrorCode code, std::string file, std::string message, Remedy remedy) {
    return std::unexpected(Error{code, std::move(file), std::nullopt, std::move(message), remedy});
}

}  // namespace gguf
