#include "gguf/format/dialect.h"

#include <algorithm>

namespace gguf {
namespace {

// llama_ftype values only ik_llama.cpp assigns (its IQ*_K, _KS, _KT, _R4
// presets); below them the two projects' values mostly agree.
constexpr uint64_t kFirstIkOnlyFileType = 135;

bool usable_in(uint32_t file_id, Dialect dialect) {
    auto type = type_from_file_id(file_id, dialect);
    return type && type_is_usable(static_cast<uint32_t>(*type));
}

Dialect other(Dialect dialect) { return dialect == Dialect::mainline ? Dialect::ik_llama : Dialect::mainline; }

std::string dialect_option_word(Dialect dialect) { return dialect == Dialect::ik_llama ? "ik" : "mainline"; }

// The first tensor whose id only the other dialect assigns, as an error.
Status check_forced(std::span<const StoredType> types, Dialect forced, const std::string& file) {
    for (const StoredType& t : types) {
        if (usable_in(t.file_id, forced) || !usable_in(t.file_id, other(forced))) continue;
        const TensorType meant = *type_from_file_id(t.file_id, other(forced));
        return fail(ErrorCode::bad_format, file,
                    "tensor '" + std::string(t.tensor) + "' has type id " + std::to_string(t.file_id) + ", " +
                        std::string(type_display_name(meant)) + " in " + std::string(dialect_name(other(forced))) +
                        "'s files and no " + std::string(dialect_name(forced)) + " type: the file contradicts --dialect " +
                        dialect_option_word(forced));
    }
    return {};
}

Error no_runtime(std::string_view ik_tensor, TensorType ik_type, std::string_view mainline_tensor, TensorType mainline_type,
                 const std::string& file) {
    return Error{ErrorCode::bad_format, file, std::nullopt,
                 "no runtime loads this file: tensor '" + std::string(ik_tensor) + "' is " + type_label(ik_type) +
                     ", which only ik_llama.cpp reads, and tensor '" + std::string(mainline_tensor) + "' is " +
                     std::string(type_display_name(mainline_type)) + " (id " + std::to_string(file_id_of(mainline_type)) +
                     "), which only llama.cpp reads"};
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
                               std::optional<Dialect> forced, const std::string& file, const LayoutFits& fits) {
    if (forced) {
        if (auto ok = check_forced(types, *forced, file); !ok) return std::unexpected(ok.error());
        return *forced;
    }
    const StoredType* ik_only = nullptr;
    const StoredType* mainline_only = nullptr;
    for (const StoredType& t : types) {
        const bool mainline = usable_in(t.file_id, Dialect::mainline);
        const bool ik = usable_in(t.file_id, Dialect::ik_llama);
        if (ik && !mainline && !ik_only) ik_only = &t;
        if (mainline && !ik && !mainline_only) mainline_only = &t;
    }
    if (ik_only && mainline_only) {
        return std::unexpected(no_runtime(ik_only->tensor, *type_from_file_id(ik_only->file_id, Dialect::ik_llama), mainline_only->tensor,
                                          *type_from_file_id(mainline_only->file_id, Dialect::mainline), file));
    }
    if (ik_only) return Dialect::ik_llama;
    if (mainline_only) return Dialect::mainline;
    if (file_type && *file_type >= kFirstIkOnlyFileType) return Dialect::ik_llama;
    const bool sizes_differ = std::any_of(types.begin(), types.end(), [](const StoredType& t) { return size_depends_on_dialect(t.file_id); });
    if (sizes_differ && fits && fits(Dialect::ik_llama) && !fits(Dialect::mainline)) return Dialect::ik_llama;
    return Dialect::mainline;
}

bool size_depends_on_dialect(uint32_t file_id) {
    auto mainline = type_from_file_id(file_id, Dialect::mainline);
    auto ik = type_from_file_id(file_id, Dialect::ik_llama);
    if (!mainline || !ik || !usable_in(file_id, Dialect::mainline) || !usable_in(file_id, Dialect::ik_llama)) return false;
    auto a = *type_traits(static_cast<uint32_t>(*mainline));
    auto b = *type_traits(static_cast<uint32_t>(*ik));
    return a.block_size != b.block_size || a.block_bytes != b.block_bytes || a.row_meta_bytes != b.row_meta_bytes;
}

std::string other_dialect_hint(std::span<const TensorInfo> tensors, Dialect read_as) {
    for (const TensorInfo& t : tensors) {
        if (!size_depends_on_dialect(file_id_of(t.type))) continue;
        return " (tensors such as '" + t.name + "' were read as " + std::string(dialect_name(read_as)) + "'s " +
               std::string(type_display_name(t.type)) + "; if " + std::string(dialect_name(other(read_as))) +
               " wrote the file, --dialect " + dialect_option_word(other(read_as)) + " may be needed)";
    }
    return {};
}

Result<TypeRuntimes> file_runtimes(std::span<const TensorInfo> tensors, const std::string& file) {
    const TensorInfo* ik_only = nullptr;
    const TensorInfo* mainline_only = nullptr;
    for (const TensorInfo& t : tensors) {
        const auto sole = sole_dialect(t.type);
        if (sole == Dialect::ik_llama && !ik_only) ik_only = &t;
        if (sole == Dialect::mainline && !mainline_only) mainline_only = &t;
    }
    if (ik_only && mainline_only) return std::unexpected(no_runtime(ik_only->name, ik_only->type, mainline_only->name, mainline_only->type, file));
    if (ik_only) return TypeRuntimes::ik_only;
    if (mainline_only) return TypeRuntimes::mainline_only;
    return TypeRuntimes::both;
}

std::string_view runtimes_name(TypeRuntimes runtimes) {
    switch (runtimes) {
        case TypeRuntimes::both: return "llama.cpp and ik_llama.cpp";
        case TypeRuntimes::mainline_only: return "llama.cpp";
        case TypeRuntimes::ik_only: return "ik_llama.cpp";
    }
    return "unknown";
}

}  // namespace gguf
