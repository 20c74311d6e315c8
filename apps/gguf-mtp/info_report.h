// What `gguf-mtp info` reports about a model, shared by its text and JSON
// renderings.
#pragma once

#include <map>
#include <optional>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "gguf/format/dialect.h"
#include "gguf/split/model.h"
#include "gguf/mtp/mtp.h"
#include "remote_option.h"

namespace gguf_mtp {

struct InfoOptions {
    std::string path;
    bool json = false;
    bool all_keys = false;                   // arrays in full
    std::optional<std::string> tensor_regex;  // only matching tensors are listed
    RemoteFlags remote;
    std::optional<gguf::Dialect> dialect;  // --dialect; empty: each file decides
};

struct TypeTotal {
    size_t tensors = 0;
    uint64_t bytes = 0;
};

// Totals by type label ("Q4_K", "IQ4_KS (ik_llama.cpp id 144)"), over all tensors.
std::map<std::string, TypeTotal> totals_by_type(const gguf::Model& model);

// The runtimes that load the model, and the dialect its type ids are read in.
struct ModelDialect {
    gguf::TypeRuntimes runtimes;
    gguf::Dialect dialect;
};
gguf::Result<ModelDialect> model_dialect(const gguf::Model& model);

// general.file_type named as the model's dialect names it ("Q4_K_M",
// "IQ4_KS (ik_llama.cpp file type 145)"), or "(none)" when absent.
std::string file_type_text(const gguf::Metadata& metadata, gguf::Dialect dialect);

// Stable JSON document, documented in man/gguf-mtp-info.1.
nlohmann::json info_json(const gguf::Model& model, const gguf::MtpSummary& mtp, const ModelDialect& dialect, const InfoOptions& options,
                         const std::optional<std::regex>& filter);

}  // namespace gguf_mtp
