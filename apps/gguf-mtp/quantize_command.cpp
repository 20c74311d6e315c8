// quantize: llama-quantize's command line (IN [OUT] TYPE [THREADS] and its
// options), its output byte for byte, plus gguf-mtp's MTP options.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <thread>

#include "cli_support.h"
#include "compat_option.h"
#include "commands.h"
#include "gguf/io/remote.h"
#include "gguf/quant/provenance.h"
#include "gguf/quant/quantize_plan.h"
#include "gguf/quant/quantize_tensor.h"
#include "gguf/quant/reuse.h"
#include "plan_runner.h"
#include "progress_bar.h"
#include "dialect_option.h"
#include "remote_option.h"
#include "quantize_report.h"
#include "quantize_target.h"

namespace gguf_mtp {
namespace {

constexpr const char* kDefaultMissingPolicy = "fallback:Q4_K";

// The positional words, as help and the errors about them name them.
constexpr const char* kPositionalForm = "INPUT [OUTPUT] TYPE [THREADS]";

struct QuantizeOptions {
    std::vector<std::string> positional;  // kPositionalForm
    bool pure = false;
    bool leave_output_tensor = false;
    std::string imatrix;
    std::vector<std::string> include_weights, exclude_weights;
    std::string output_tensor_type, token_embedding_type;
    std::vector<std::string> tensor_types, tensor_type_files;
    std::string prune_layers;
    bool keep_split = false;
    std::vector<std::string> override_kv;
    int max_buffer_mib = 0;
    std::string mtp_type;
    std::string imatrix_missing;
    std::string bundled_with;
    bool allow_requantize = false;
    bool allow_non_finite = false;
    std::string reuse;
    bool no_provenance = false;
    std::string device = "cpu";
    bool verbose = false;
    gguf::LlamaRelease release = gguf::kNewestRelease;
    OutputFlags out;
    RemoteFlags remote;
    std::optional<gguf::Dialect> dialect;  // --dialect; empty: each file decides
    TargetFlags target;
};

// --verbose: where the kernels ran, and each tensor the GPU left to the CPU.
void report_device(const gguf::Quantizer& quantizer, const gguf::QuantizePlan& plan, gguf::LlamaRelease release) {
    std::fprintf(stderr, "quantize: kernels on %s\n", gguf::quantizer_device(quantizer).c_str());
    for (const auto& t : plan.tensors) {
        if (t.from == t.to) continue;
        std::string why;
        if (!gguf::quantizer_offloads(quantizer, t.to, t.weighted(), release, &why)) {
            if (!why.empty()) std::fprintf(stderr, "quantize: '%s' on the CPU: %s\n", t.tensor.c_str(), why.c_str());
        } else if (!gguf::quantizer_reads(quantizer, t.from, &why) && !why.empty()) {
            std::fprintf(stderr, "quantize: '%s' read into floats on the CPU: %s\n", t.tensor.c_str(), why.c_str());
        }
    }
}

// The kinds of tensor the plan quantizes, each once: the device prepares
// them while it opens.
std::vector<gguf::QuantizeWork> expected_work(const gguf::QuantizePlan& plan) {
    std::set<gguf::QuantizeWork> kinds;
    for (size_t i = 0; i < plan.tensors.size(); ++i) {
        const auto& t = plan.tensors[i];
        if (t.from == t.to) continue;
        kinds.insert({t.from, t.to, t.weighted(), static_cast<uint64_t>(plan.plan.tensors[i].info.ne[0])});
    }
    return {kinds.begin(), kinds.end()};
}

int usage_error(const std::string& message) {
    std::fprintf(stderr, "gguf-mtp: error: %s\n", message.c_str());
    return kExitUsage;
}

std::optional<gguf::TensorType> parse_type(const std::string& text, const char* option, int& code) {
    auto t = gguf::type_from_name(text);
    if (!t) code = usage_error(std::string(option) + ": '" + text + "' is not a ggml type (q4_0, q8_0, q4_K, iq4_xs, f16, ...)");
    return t;
}

// NAME=TYPE as llama-quantize reads it: the pattern lower-cased.
std::optional<gguf::TensorTypeRule> parse_rule(const std::string& text, const std::string& origin, int& code) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
        code = usage_error(origin + ": '" + text + "' is not PATTERN=TYPE");
        return std::nullopt;
    }
    std::string pattern = text.substr(0, eq);
    std::transform(pattern.begin(), pattern.end(), pattern.begin(), [](unsigned char c) { return std::tolower(c); });
    auto type = gguf::type_from_name(text.substr(eq + 1));
    if (!type) {
        code = usage_error(origin + ": '" + text.substr(eq + 1) + "' is not a ggml type");
        return std::nullopt;
    }
    return gguf::TensorTypeRule{pattern, *type};
}

// --tensor-type and --tensor-type-file rules in command-line order: the
// first rule that matches a tensor wins.
bool collect_rules(const CLI::App& cmd, const QuantizeOptions& o, std::vector<gguf::TensorTypeRule>& rules, int& code) {
    size_t next_rule = 0, next_file = 0;
    for (const CLI::Option* opt : cmd.parse_order()) {
        if (opt->get_name() == "--tensor-type" && next_rule < o.tensor_types.size()) {
            auto r = parse_rule(o.tensor_types[next_rule++], "--tensor-type", code);
            if (!r) return false;
            rules.push_back(*r);
        } else if (opt->get_name() == "--tensor-type-file" && next_file < o.tensor_type_files.size()) {
            const std::string& path = o.tensor_type_files[next_file++];
            std::ifstream in(path);
            if (!in) {
                code = usage_error("--tensor-type-file: cannot read '" + path + "'");
                return false;
            }
            std::string word;
            while (in >> word) {
                auto r = parse_rule(word, path, code);
                if (!r) return false;
                rules.push_back(*r);
            }
        }
    }
    return true;
}

std::optional<std::vector<uint32_t>> parse_layers(const std::string& text, int& code) {
    std::vector<uint32_t> out;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = std::min(text.find(',', start), text.size());
        const std::string item = text.substr(start, comma - start);
        if (item.empty() || !std::all_of(item.begin(), item.end(), ::isdigit) || item.size() > 9) {
            code = usage_error("--prune-layers: '" + item + "' is not a layer number");
            return std::nullopt;
        }
        out.push_back(static_cast<uint32_t>(std::stoul(item)));
        start = comma + 1;
    }
    return out;
}

// The positional form of llama-quantize: INPUT TYPE [THREADS] writes
// ggml-model-TYPE.gguf beside the input; INPUT OUTPUT TYPE [THREADS] names it.
struct Positional {
    std::string input, output;
    const gguf::QuantPreset* preset = nullptr;
    unsigned threads = 0;
};

int positional_error(const std::string& message) {
    return usage_error(message + " (quantize takes " + kPositionalForm + ")");
}

std::optional<Positional> parse_positional(const std::vector<std::string>& args, int& code) {
    if (args.size() < 2) {
        code = positional_error(args.empty() ? "no INPUT given" : "no TYPE given");
        return std::nullopt;
    }
    Positional p;
    p.input = args[0];
    size_t next = 1;
    if ((p.preset = gguf::find_preset(args[1]))) {
        const size_t slash = p.input.find_last_of('/');
        p.output = (slash == std::string::npos ? "" : p.input.substr(0, slash + 1)) + "ggml-model-" + std::string(p.preset->name) + ".gguf";
        next = 2;
    } else {
        p.output = args[1];
        if (args.size() < 3) {
            code = positional_error("no TYPE given");
            return std::nullopt;
        }
        if (!(p.preset = gguf::find_preset(args[2]))) {
            std::string names;
            for (const auto& q : gguf::quant_presets()) names += (names.empty() ? "" : ", ") + std::string(q.name);
            code = usage_error("unknown type '" + args[2] + "' (one of: " + names + ")");
            return std::nullopt;
        }
        next = 3;
    }
    if (next < args.size()) {
        const std::string& t = args[next];
        if (t.empty() || t.size() > 6 || !std::all_of(t.begin(), t.end(), ::isdigit)) {
            code = usage_error("THREADS: '" + t + "' is not a thread count");
            return std::nullopt;
        }
        p.threads = static_cast<unsigned>(std::stoul(t));
        ++next;
    }
    if (next < args.size()) {
        code = positional_error("unexpected argument '" + args[next] + "'");
        return std::nullopt;
    }
    return p;
}

// Provenance reads the sources' bytes twice (quantized, then digested right
// after, from the page cache): only where that costs no second download.
bool input_is_local(const gguf::Model& model) {
    const auto paths = model.paths();
    return std::none_of(paths.begin(), paths.end(), [](const std::string& p) { return gguf::is_remote(p); });
}

// --reuse: turns the plan's tensors that `previous` holds, made the same way,
// into copies. A record that cannot be read is no error: those tensors are
// quantized again, and the summary says why.
// `carried` gets the record entries of the reused tensors.
gguf::Result<ReuseFacts> reuse_previous(gguf::QuantizePlan& plan, const gguf::Model& previous, const std::string& given,
                                        gguf::ProvenanceRecord& carried) {
    ReuseFacts facts;
    facts.previous = given;
    for (const auto& t : plan.plan.tensors) facts.quantized += std::holds_alternative<gguf::TransformSource>(t.source);
    auto record = gguf::read_provenance(gguf::provenance_path(previous.path()));
    if (!record) {
        facts.record_problem = record.error().to_string();
        return facts;
    }
    auto outcome = gguf::reuse_earlier_tensors(plan, previous, *record);
    if (!outcome) return std::unexpected(outcome.error());
    facts.reused = outcome->reused;
    facts.seconds_saved = outcome->seconds_saved;
    carried = std::move(outcome->carried);
    return facts;
}

int run_quantize(const CLI::App& cmd, const QuantizeOptions& o) {
    int code = 0;
    auto pos = parse_positional(o.positional, code);
    if (!pos) return code;
    if (!o.include_weights.empty() && !o.exclude_weights.empty()) return usage_error("--include-weights and --exclude-weights do not combine");
    if (o.keep_split && (!o.out.max_size.empty() || o.out.max_tensors > 0)) return usage_error("--keep-split and --split-max-* do not combine");
    TargetRequest target;
    if (!parse_target_flags(o.target, !o.imatrix.empty(), target, code)) return code;

    gguf::QuantizeOptions q;
    q.preset = pos->preset;
    q.pure = o.pure;
    q.leave_output_tensor = o.leave_output_tensor;
    if (!o.output_tensor_type.empty() && !(q.output_tensor_type = parse_type(o.output_tensor_type, "--output-tensor-type", code))) return code;
    if (!o.token_embedding_type.empty() && !(q.token_embedding_type = parse_type(o.token_embedding_type, "--token-embedding-type", code))) return code;
    if (!o.mtp_type.empty() && !(q.mtp_type = parse_type(o.mtp_type, "--mtp-type", code))) return code;
    if (!collect_rules(cmd, o, q.rules, code)) return code;
    if (!o.prune_layers.empty()) {
        auto layers = parse_layers(o.prune_layers, code);
        if (!layers) return code;
        q.prune_layers = *layers;
    }
    for (const auto& kv : o.override_kv) {
        auto parsed = gguf::parse_key_override(kv);
        if (!parsed) return usage_error("--override-kv: " + parsed.error().message);
        q.key_overrides.push_back(*parsed);
    }
    const std::string policy_text = o.imatrix_missing.empty() ? kDefaultMissingPolicy : o.imatrix_missing;
    auto policy = gguf::parse_missing_importance_policy(policy_text);
    if (!policy) return usage_error("--imatrix-missing: " + policy.error().message);
    q.missing_importance = *policy;
    q.missing_importance_explicit = !o.imatrix_missing.empty();
    if (o.max_buffer_mib < 0) return usage_error("--max-buffer-size must be a positive number of MiB");
    // The budget covers the f32 rows and their source and quantized bytes.
    if (o.max_buffer_mib > 0) q.chunk_bytes = (uint64_t(o.max_buffer_mib) << 20) / 2;
    q.keep_split = o.keep_split;
    q.allow_requantize = o.allow_requantize;
    q.allow_non_finite = o.allow_non_finite;
    q.release = o.release;

    auto model = open_model(pos->input, gguf::OpenFor::data, o.remote, o.dialect);
    if (!model) return report_error(model.error());
    std::optional<gguf::Model> other;
    if (!o.bundled_with.empty()) {
        auto m = open_model(o.bundled_with, gguf::OpenFor::header, o.remote, o.dialect);  // its tensor list only
        if (!m) return report_error(m.error());
        other = std::move(*m);
        q.bundled_with = &*other;
    }
    std::optional<gguf::Imatrix> imatrix;
    if (!o.imatrix.empty()) {
        auto m = gguf::read_imatrix(o.imatrix);
        if (!m) return report_error(m.error());
        imatrix = std::move(*m);
        q.imatrix = &*imatrix;
        q.imatrix_path = o.imatrix;
        q.include_weights = o.include_weights;
        q.exclude_weights = o.exclude_weights;
    }

    gguf::WriteOptions write;
    if (!make_write_options(o.out, pos->output, *model, write)) return kExitUsage;
    auto sized = plan_for_request(*model, q, target, pos->threads, write);
    if (!sized) return report_error(sized.error());
    gguf::QuantizePlan* plan = &sized->plan;
    for (const auto& t : plan->tensors) {
        const bool plain = t.from == gguf::TensorType::F32 || t.from == gguf::TensorType::F16 || t.from == gguf::TensorType::BF16;
        if (t.from != t.to && !plain) {
            std::fprintf(stderr, "gguf-mtp: warning: requantizing '%s' from %s\n", t.tensor.c_str(),
                         std::string(gguf::type_display_name(t.from)).c_str());
        }
    }
    if (q.mtp_type && std::none_of(plan->tensors.begin(), plan->tensors.end(), [](const auto& t) { return t.in_mtp_block; })) {
        std::fprintf(stderr, "gguf-mtp: warning: --mtp-type: %s has no MTP blocks\n", pos->input.c_str());
    }

    // Kept open until the output is written: reused tensors are copied from it.
    std::optional<gguf::Model> previous;
    std::optional<ReuseFacts> reuse;
    gguf::ProvenanceRecord carried;
    if (!o.reuse.empty()) {
        if (!input_is_local(*model)) return usage_error("--reuse needs INPUT to be a local file, not a URL");
        auto m = open_model(o.reuse, gguf::OpenFor::data, o.remote, o.dialect);
        if (!m) return report_error(m.error());
        previous = std::move(*m);
        auto facts = reuse_previous(*plan, *previous, o.reuse, carried);
        if (!facts) return report_error(facts.error());
        reuse = std::move(*facts);
    }

    write.fixed_shards = plan->shards;
    if (other) {
        auto ids = other->identities();
        write.inputs.insert(write.inputs.end(), ids.begin(), ids.end());
    }
    if (!o.imatrix.empty()) {
        if (auto id = gguf::identity_of(o.imatrix)) write.inputs.push_back(*id);
    }
    QuantizeRunFacts facts{pos->input, std::string(pos->preset->name), o.imatrix, gguf::missing_importance_policy_name(q.missing_importance),
                           reuse};
    facts.predicted_error = sized->predicted_error;
    if (!o.target.type_file.empty()) {
        if (auto written = write_type_file(o.target.type_file, *plan); !written) return report_error(written.error());
    }
    auto layout = gguf::layout_plan(plan->plan, write);
    if (!layout) return report_error(layout.error());
    if (o.out.dry_run) {
        if (o.out.json) {
            print_quantize_json(*plan, *layout, facts);
        } else {
            print_quantize_table(*plan, facts);
            print_quantize_summary(*plan, facts);
        }
        return 0;
    }
    // The plan is data: only writing it needs the threads and the device, so
    // --dry-run opens none (and works on a machine without the GPU it names).
    auto quantizer = gguf::make_quantizer(pos->threads, o.device, o.release, expected_work(*plan));
    if (!quantizer) return report_error(quantizer.error());
    write.transformer = &gguf::as_transformer(**quantizer);
    std::optional<gguf::ProvenanceRecorder> recorder;
    if (!o.no_provenance && input_is_local(*model)) {
        // One sequential digest reads about as fast as a GPU quantizes: a
        // quarter of the threads digest the next sources together.
        const unsigned threads = pos->threads ? pos->threads : std::max(1u, std::thread::hardware_concurrency());
        recorder.emplace(*write.transformer, plan->plan, std::move(carried), std::clamp(threads / 4, 1u, 4u));
        write.transformer = &*recorder;
        write.companion = {gguf::kProvenanceSuffix, [&recorder]() -> std::optional<std::string> {
                               if (recorder->record().tensors.empty()) return std::nullopt;
                               return gguf::provenance_text(recorder->record());
                           }};
    }
    const auto start = std::chrono::steady_clock::now();
    ProgressBar bar("quantize");
    bar.show_fetch(fetch_meter(plan->plan));
    write.on_progress = [&bar](const gguf::Progress& p) { bar.update(p); };
    auto report = gguf::write_plan(plan->plan, write);
    if (!report) {
        // A device asked for by name that failed to open stops the write at
        // the next tensor; the error is the device's, not that tensor's.
        if (auto settled = gguf::quantizer_settle(**quantizer); !settled) return report_error(settled.error());
        return report_error(report.error());
    }
    bar.finish(*report);
    for (const auto& line : gguf::quantizer_warnings(**quantizer)) std::fprintf(stderr, "quantize: warning: %s\n", line.c_str());
    // Only now: naming the device before writing would wait for it to open,
    // time the CPU spends quantizing instead, with --verbose as without.
    // Writing has settled it: a device that auto could not open was dropped.
    if (o.verbose) {
        report_device(**quantizer, *plan, o.release);
        if (auto activity = gguf::quantizer_activity(**quantizer); !activity.empty()) std::fprintf(stderr, "quantize: %s\n", activity.c_str());
    }
    facts.written = true;
    facts.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    print_quantize_summary(*plan, facts);
    if (o.out.json) print_quantize_json(*plan, report->files, facts);
    return 0;
}

}  // namespace

void add_quantize_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<QuantizeOptions>();
    CLI::App* cmd = app.add_subcommand(
        "quantize",
        "Quantize a model as llama-quantize does, byte for byte: gguf-mtp quantize [OPTIONS] INPUT [OUTPUT] TYPE [THREADS].\n"
        "TYPE is a llama-quantize preset (Q4_K_M, Q8_0, IQ2_XXS, ..., COPY) or its number; the preset's mixture rules pick\n"
        "each tensor's type as llama-quantize does. MTP (NextN) tensors: --mtp-type, --bundled-with, --imatrix-missing.\n"
        "With --target-size or --target-bpw, TYPE is the base preset: its mixture, rules and options stay fixed, and the tensors\n"
        "it would give its default type get the candidate types that fit the target with the least measured error.");
    // Which word is which depends on the second one, so parse_positional,
    // not CLI11, counts them and says what is missing or too many.
    cmd->add_option("args", o->positional,
                    "INPUT: the model (any shard of a split set)\n"
                    "OUTPUT: the file to write (default: ggml-model-TYPE.gguf beside the input)\n"
                    "TYPE: a llama-quantize preset or its number; when the second word is one, OUTPUT takes its default\n"
                    "THREADS: threads to quantize on (default: all)")
        ->option_text(kPositionalForm);
    cmd->add_flag("--pure", o->pure, "no mixture: every quantized tensor gets the preset's base type (--tensor-type rules still apply)");
    cmd->add_option("--imatrix", o->imatrix, "importance matrix (llama-imatrix's GGUF format or legacy .dat)");
    cmd->add_option("--include-weights", o->include_weights, "use only imatrix entries whose name contains this (repeatable)")->allow_extra_args(false);
    cmd->add_option("--exclude-weights", o->exclude_weights, "ignore imatrix entries whose name contains this (repeatable)")->allow_extra_args(false);
    cmd->add_option("--output-tensor-type", o->output_tensor_type, "type of output.weight (a ggml type: q8_0, q6_K, ...)");
    cmd->add_option("--token-embedding-type", o->token_embedding_type, "type of token_embd.weight");
    cmd->add_option("--tensor-type", o->tensor_types, "PATTERN=TYPE: tensors whose name matches the regex get TYPE; first match wins (repeatable)")->allow_extra_args(false);
    cmd->add_option("--tensor-type-file", o->tensor_type_files, "file of PATTERN=TYPE rules separated by spaces or newlines")->allow_extra_args(false);
    cmd->add_flag("--leave-output-tensor", o->leave_output_tensor, "leave output.weight as it is");
    cmd->add_option("--prune-layers", o->prune_layers, "L0,L1,...: remove these blocks and renumber the rest");
    cmd->add_flag("--keep-split", o->keep_split, "write one output shard per input shard");
    cmd->add_option("--override-kv", o->override_kv, "KEY=TYPE:VALUE (int, float, bool, str): set a key in the output (repeatable)")->allow_extra_args(false);
    cmd->add_option("--max-buffer-size", o->max_buffer_mib, "MiB of rows in flight while quantizing (default 128)");
    cmd->add_option("--mtp-type", o->mtp_type, "type of every tensor in the MTP (NextN) blocks, after --tensor-type rules");
    cmd->add_option("--imatrix-missing", o->imatrix_missing,
                    "error | fallback:TYPE | uniform: what tensors that need importance data (IQ1/IQ2, IQ3_XXS) get when the imatrix "
                    "has no entry for them (default " + std::string(kDefaultMissingPolicy) + "; without --imatrix: error)");
    cmd->add_option("--bundled-with", o->bundled_with,
                    "the other half of the bundled model (the MTP head of this trunk, or the trunk of this head): choose types as "
                    "llama-quantize would inside the bundled model");
    cmd->add_flag("--allow-requantize", o->allow_requantize, "dequantize and requantize tensors that are already quantized");
    cmd->add_flag("--allow-non-finite", o->allow_non_finite, "quantize rows holding NaN or Inf instead of refusing them");
    cmd->add_option("--reuse", o->reuse,
                    "an earlier output of this command: copy each tensor it holds that was made from the same source bytes, type, "
                    "importance data and kernels (as its OUTPUT.provenance.json records and its bytes confirm) instead of quantizing "
                    "it again; the output is byte for byte a fresh run's")
        ->type_name("PREVIOUS");
    cmd->add_flag("--no-provenance", o->no_provenance,
                  "write no OUTPUT.provenance.json (the record of how each quantized tensor was made, which --reuse reads)");
    cmd->add_option("--device", o->device, "where kernels run: cpu, auto (a discrete GPU if any), vulkan or vulkan:N (default: cpu)");
    add_compat_option(*cmd, o->release);
    cmd->add_flag("--verbose", o->verbose, "say which device quantizes, which tensors stay on the CPU (or are read into floats there), and where the device's time went");
    add_target_options(*cmd, o->target);
    add_output_flags(*cmd, o->out, true);
    add_remote_options(*cmd, o->remote);
    add_dialect_option(*cmd, o->dialect);
    cmd->callback([o, cmd, &exit_code] { exit_code = run_quantize(*cmd, *o); });
}

}  // namespace gguf_mtp
