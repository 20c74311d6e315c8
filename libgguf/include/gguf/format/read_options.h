// How a GGUF input is read: where remote bytes come from, and which
// dialect its tensor type ids are read in when the user says so.
//
// Thread safety: a plain value.
#pragma once

#include <optional>

#include "gguf/format/tensor_type.h"
#include "gguf/io/remote.h"

namespace gguf {

struct ReadOptions {
    RemoteOptions remote;            // for inputs named by URL
    std::optional<Dialect> dialect;  // the user's --dialect; nullopt: decided from the file (format/dialect.h)
};

}  // namespace gguf
