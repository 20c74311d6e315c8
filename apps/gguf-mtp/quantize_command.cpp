// quantize: llama-quantize's positional form. This first version does --pure
// (one type for every tensor llama-quantize quantizes); the preset mixtures
// come with the quantize issue.
#include <cstdio>
#include <thread>

#include "cli_support.h"
#include "commands.h"
#include "gguf/quantize_plan.h"
#include "plan_runner.h"

namespace gguf_mtp {
namespace {

struct QuantizeOptions {
    std::string input;
    std::string output;
    std::string preset;
    unsigned threads = 0;
    bool pure = false;
    std::string imatrix;
    bool allow_requantize = false;
    bool allow_non_finite = false;
    OutputFlags out;
};

int run_quantize(const QuantizeOptions& o) {
    const gguf::QuantPreset* preset = gguf::find_preset(o.preset);
    if (!preset) {
        std::string names;
        for (const auto& p : gguf::quant_presets()) names += (names.empty() ? "" : ", ") + std::string(p.name);
        std::fprintf(stderr, "gguf-mtp: error: unknown type '%s' (one of: %s)\n", o.preset.c_str(), names.c_str());
        return kExitUsage;
    }
    if (!o.pure) {
        std::fprintf(stderr, "gguf-mtp: error: only --pure quantization is implemented so far (preset mixtures are coming)\n");
        return kExitUsage;
    }
    auto model = gguf::Model::open(o.input);
    if (!model) return report_error(model.error());
    std::optional<gguf::Imatrix> imatrix;
    if (!o.imatrix.empty()) {
        auto m = gguf::read_imatrix(o.imatrix);
        if (!m) return report_error(m.error());
        imatrix = std::move(*m);
    }
    gguf::PureQuantizeOptions q;
    q.preset = preset;
    q.imatrix = imatrix ? &*imatrix : nullptr;
    q.imatrix_path = o.imatrix;
    q.allow_requantize = o.allow_requantize;
    q.allow_non_finite = o.allow_non_finite;
    auto plan = gguf::plan_quantize_pure(*model, q, gguf::make_quantizer(o.threads));
    if (!plan) return report_error(plan.error());
    for (const auto& t : plan->tensors) {
        if (t.from != gguf::TensorType::F32 && t.from != gguf::TensorType::F16 && t.from != gguf::TensorType::BF16) {
            std::fprintf(stderr, "gguf-mtp: warning: requantizing '%s' from %s\n", t.tensor.c_str(),
                         std::string(gguf::type_display_name(t.from)).c_str());
        }
    }
    gguf::WriteOptions write;
    if (!make_write_options(o.out, o.output, *model, write)) return kExitUsage;
    if (auto id = gguf::identity_of(o.imatrix); id && imatrix) write.inputs.push_back(*id);  // an input too
    const int code = run_plan(plan->plan, write, o.out, "quantize");
    if (code == 0 && !o.out.dry_run && imatrix) {
        size_t without = 0;
        for (const auto& t : plan->tensors) without += t.with_importance ? 0 : 1;
        if (without > 0) std::fprintf(stderr, "quantize: %zu tensor(s) quantized without importance data\n", without);
    }
    return code;
}

}  // namespace

void add_quantize_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<QuantizeOptions>();
    CLI::App* cmd = app.add_subcommand(
        "quantize",
        "Quantize a model as llama-quantize does, bit for bit: gguf-mtp quantize --pure IN.gguf OUT.gguf TYPE [THREADS].\n"
        "TYPE is a llama-quantize preset name (Q4_K_M, Q8_0, IQ4_XS, ...); with --pure every tensor llama-quantize\n"
        "quantizes gets the preset's base type (or llama-quantize's fallback for rows that do not fit).");
    cmd->add_option("input", o->input, "F32/F16/BF16 GGUF model (or any shard of a split set)")->required();
    cmd->add_option("output", o->output, "output file")->required();
    cmd->add_option("type", o->preset, "llama-quantize preset, e.g. Q4_K_M")->required();
    cmd->add_option("threads", o->threads, "worker threads (default: all)");
    cmd->add_flag("--pure", o->pure, "one type for every quantized tensor, no per-tensor mixture");
    cmd->add_option("--imatrix", o->imatrix, "importance matrix (GGUF or legacy .dat, as llama-imatrix writes it)");
    cmd->add_flag("--allow-requantize", o->allow_requantize, "dequantize and requantize tensors that are already quantized");
    cmd->add_flag("--allow-non-finite", o->allow_non_finite, "quantize rows holding NaN or Inf instead of refusing them");
    add_output_flags(*cmd, o->out, true);
    cmd->callback([o, &exit_code] { exit_code = run_quantize(*o); });
}

}  // namespace gguf_mtp
