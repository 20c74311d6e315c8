#include "quantize_target.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "cli_support.h"
#include "gguf/io/whole_file.h"
#include "gguf/quant/cpu/quantize.h"
#include "progress_bar.h"

namespace gguf_mtp {
namespace {

using gguf::TensorType;

// K-quants from 2 to 6 bits and Q8_0: every step of the usual presets. With
// an imatrix, IQ3_S and IQ4_XS too: where importance data guides them they
// beat the K-quant of their size.
std::vector<TensorType> default_candidates(bool has_imatrix) {
    std::vector<TensorType> out = {TensorType::Q2_K, TensorType::Q3_K, TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K, TensorType::Q8_0};
    if (has_imatrix) out.insert(out.end(), {TensorType::IQ3_S, TensorType::IQ4_XS});
    return out;
}

bool refuse(const std::string& message, int& code) {
    std::fprintf(stderr, "gguf-mtp: error: %s\n", message.c_str());
    code = kExitUsage;
    return false;
}

// A tensor name as a pattern that matches it alone, after the lower-casing
// --tensor-type applies: letters other than a-z, and every character with a
// meaning in a regex, are written as \xHH.
std::string exact_name_pattern(const std::string& name) {
    std::string out = "^";
    for (unsigned char c : name) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
            out += static_cast<char>(c);
        } else if (c == '.') {
            out += "\\.";
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    return out + "$";
}

std::string percent(double part, double whole) {
    char text[16];
    std::snprintf(text, sizeof text, "%.2f%%", whole > 0 ? 100 * part / whole : 0);
    return text;
}

// What was reached, against the target: "N bytes (X%)" or "B bits per weight (X%)".
std::string reached(const gguf::SizeTarget& target, uint64_t file_bytes, double bpw) {
    char text[64];
    if (target.file_bytes > 0) return std::to_string(file_bytes) + " bytes (" + percent(double(file_bytes), double(target.file_bytes)) + ")";
    std::snprintf(text, sizeof text, "%.4f bits per weight (", bpw);
    return text + percent(bpw, target.bits_per_weight) + ")";
}

}  // namespace

void add_target_options(CLI::App& cmd, TargetFlags& flags) {
    cmd.add_option("--target-size", flags.size,
                   "choose the free tensors' types to fit the whole output file in SIZE: bytes, K/M/G/T or KB/MB/GB/TB (powers of\n"
                   "1000), KiB/MiB/GiB/TiB (powers of 1024); 3.5G is 3500000000 bytes")
        ->type_name("SIZE");
    cmd.add_option("--target-bpw", flags.bpw,
                   "the same for X bits per weight: 8 x bytes / weights of the tensors TYPE quantizes (kept ones, norms, left out)")
        ->type_name("X");
    cmd.add_option("--candidates", flags.candidates,
                   "types a target chooses from (default Q2_K,Q3_K,Q4_K,Q5_K,Q6_K,Q8_0; with --imatrix also IQ3_S,IQ4_XS)")
        ->type_name("T1,T2,...");
    cmd.add_option("--sample-rows", flags.sample_rows, "rows per tensor a target quantizes to measure each candidate (default 128; 0: all)")
        ->type_name("N");
    cmd.add_option("--write-tensor-type-file", flags.type_file,
                   "write each quantized tensor's type as an exact-name PATTERN=TYPE rule, for --tensor-type-file")
        ->type_name("FILE");
}

bool parse_target_flags(const TargetFlags& flags, bool has_imatrix, TargetRequest& out, int& code) {
    if (!flags.size.empty() && !flags.bpw.empty()) return refuse("--target-size and --target-bpw do not combine", code);
    if (flags.size.empty() && flags.bpw.empty()) {
        if (!flags.candidates.empty()) return refuse("--candidates needs --target-size or --target-bpw", code);
        return true;
    }
    gguf::SizeTarget target;
    if (!flags.size.empty()) {
        auto bytes = parse_size(flags.size);
        if (!bytes) return refuse("--target-size: '" + flags.size + "' is not a size like 3.5G, 3500M or 3GiB", code);
        target.file_bytes = *bytes;
        out.described = "--target-size " + flags.size;
    } else {
        char* end = nullptr;
        target.bits_per_weight = std::strtod(flags.bpw.c_str(), &end);
        if (end != flags.bpw.c_str() + flags.bpw.size() || !std::isfinite(target.bits_per_weight) || target.bits_per_weight <= 0) {
            return refuse("--target-bpw: '" + flags.bpw + "' is not a positive number of bits per weight", code);
        }
        out.described = "--target-bpw " + flags.bpw;
    }
    out.target = target;
    out.measure.sample_rows = flags.sample_rows;
    if (flags.candidates.empty()) {
        out.measure.candidates = default_candidates(has_imatrix);
        return true;
    }
    for (size_t start = 0; start <= flags.candidates.size();) {
        const size_t comma = std::min(flags.candidates.find(',', start), flags.candidates.size());
        const std::string name = flags.candidates.substr(start, comma - start);
        auto type = gguf::type_from_name(name);
        if (!type) return refuse("--candidates: '" + name + "' is not a ggml type (q4_K, q8_0, iq4_xs, ...)", code);
        if (!gguf::can_quantize(*type)) return refuse("--candidates: gguf-mtp cannot quantize to " + name, code);
        out.measure.candidates.push_back(*type);
        start = comma + 1;
    }
    return true;
}

gguf::Result<gguf::SizedPlan> plan_for_request(const gguf::Model& model, const gguf::QuantizeOptions& options, TargetRequest& request,
                                               unsigned threads, const gguf::WriteOptions& layout) {
    if (!request.target) {
        auto plan = gguf::plan_quantize(model, options);
        if (!plan) return std::unexpected(plan.error());
        gguf::SizedPlan plain;
        plain.plan = std::move(*plan);
        return plain;
    }
    const auto start = std::chrono::steady_clock::now();
    ProgressBar bar("measure");
    request.measure.threads = threads;
    request.measure.on_progress = [&bar](const gguf::Progress& p) { bar.update(p); };
    auto sized = gguf::plan_quantize_to_size(model, options, *request.target, request.measure, layout);
    bar.clear();
    if (!sized) return sized;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "quantize: %s: types of %zu tensors chosen (%zu candidates, measured in %.2f s): %s, predicted error %.6g\n",
                 request.described.c_str(), sized->free_tensors, request.measure.candidates.size(), seconds,
                 reached(*request.target, sized->file_bytes, sized->bits_per_weight).c_str(), sized->total_error);
    const bool short_of_target = request.target->file_bytes > 0 ? sized->largest_file_bytes < request.target->file_bytes * 0.97
                                                                 : sized->largest_bits_per_weight < request.target->bits_per_weight * 0.97;
    if (short_of_target) {
        std::fprintf(stderr, "gguf-mtp: warning: %s: even the largest candidates reach only %s\n", request.described.c_str(),
                     reached(*request.target, sized->largest_file_bytes, sized->largest_bits_per_weight).c_str());
    }
    return sized;
}

gguf::Status write_type_file(const std::string& path, const gguf::QuantizePlan& plan) {
    std::string text;
    for (const auto& q : plan.tensors) {
        if (q.choice.reason == gguf::TypeReason::kept) continue;
        // The type before any missing-importance policy: reading the rule
        // back applies the same policy to it.
        text += exact_name_pattern(q.tensor) + "=" + std::string(gguf::type_display_name(q.choice.type)) + "\n";
    }
    return gguf::write_whole_file(path, text);
}

}  // namespace gguf_mtp
