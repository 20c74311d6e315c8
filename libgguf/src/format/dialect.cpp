#include "gguf/format/dialect.h"

namespace gguf {
namespace {

// llama_ftype values only ik_llama.cpp assigns (its IQ*_K, _KS, _KT, _R4
// presets); below them the two projects' values mostly agree.
constexpr uint64_t kFirstIkOnlyFileType = 135;

bool usable_in(uint32_t file_id, Dialect dialect) {
    auto type = type_from_file_id(file_id, dialect);
    return type && type_is_usable(static_cast<uint32_t>(*type));
}

}  // namespace

std::optional<Dialect> sole_dialect(TensorType type) {
    auto traits = type_traits(static_cast<uint32_t>(type));
    if (!traits) return std::nullopt;
    switch (traits->runtimes) {
        case TypeRuntimes::mainline_only: return Dialect::mainline;
        case TypeRuntimes::ik_only: return Dialect::ik_llama;
        case TypeRuntimes::both: return std::nullopt;
    }
    return std::nullopt;
}

Result<Dialect> detect_dialect(std::span<const StoredType> types, std::optional<uint64_t> file_type,
                               std::optional<Dialect> forced, const std::string& file) {
    if (forced) return *forced;
    const StoredType* ik_only = nullptr;
    const StoredType* mainline_only = nullptr;
    for (const StoredType& t : types) {
        const bool mainline = usable_in(t.file_id, Dialect::mainline);
        const bool ik = usable_in(t.file_id, Dialect::ik_llama);
        if (ik && !mainline && !ik_only) ik_only = &t;
        if (mainline && !ik && !mainline_only) mainline_only = &t;
    }
    if (ik_only && mainline_only) {
        const TensorType ik_type = *type_from_file_id(ik_only->file_id, Dialect::ik_llama);
        const TensorType mainline_type = *type_from_file_id(mainline_only->file_id, Dialect::mainline);
        return fail(ErrorCode::bad_format, file,
                    "no runtime loads this file: tensor '" + std::string(ik_only->tensor) + "' is " + type_label(ik_type) +
                        ", which only ik_llama.cpp reads, and tensor '" + std::string(mainline_only->tensor) + "' is " +
                        std::string(type_display_name(mainline_type)) + " (id " + std::to_string(mainline_only->file_id) +
                        "), which only llama.cpp reads");
    }
    if (ik_only) return Dialect::ik_llama;
    if (mainline_only) return Dialect::mainline;
    if (file_type && *file_type >= kFirstIkOnlyFileType) return Dialect::ik_llama;
    return Dialect::mainline;
}

}  // namespace gguf
