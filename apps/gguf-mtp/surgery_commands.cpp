// extract, strip and merge: MTP head surgery. Each builds a plan in libgguf
// and hands it to the common runner.
#include <cstdio>

#include "cli_support.h"
#include "commands.h"
#include "gguf/format/dialect.h"
#include "gguf/mtp/mtp.h"
#include "gguf/mtp/mtp_surgery.h"
#include "output_names.h"
#include "plan_runner.h"
#include "dialect_option.h"
#include "remote_option.h"

namespace gguf_mtp {
namespace {

struct SurgeryOptions {
    std::string input;
    std::string head;  // merge only
    std::string output;
    bool allow_no_mtp = false;  // strip only
    OutputFlags out;
    RemoteFlags remote;
    std::optional<gguf::Dialect> dialect;  // --dialect; empty: each file decides
};

int finish(const gguf::Result<gguf::Plan>& plan, const SurgeryOptions& o, const std::vector<const gguf::Model*>& inputs,
           const std::string& label) {
    if (!plan) return report_error(plan.error());
    gguf::WriteOptions write;
    if (!make_write_options(o.out, o.output, *inputs.front(), write)) return kExitUsage;
    for (size_t i = 1; i < inputs.size(); ++i) {
        auto more = inputs[i]->identities();
        write.inputs.insert(write.inputs.end(), more.begin(), more.end());
    }
    return run_plan(*plan, write, o.out, label);
}

// A head of ik_llama.cpp's own types makes a merged model that llama.cpp no
// longer loads: written, since ik loads it, and said. (Types of both kinds in
// one output are the writer's error.)
void warn_if_fewer_runtimes(const gguf::Model& trunk, const gguf::Plan& merged) {
    std::vector<gguf::TensorInfo> trunk_infos, merged_infos;
    for (auto ref : trunk.tensors()) trunk_infos.push_back(trunk.info(ref));
    for (const auto& t : merged.tensors) merged_infos.push_back(t.info);
    auto before = gguf::file_runtimes(trunk_infos, trunk.path());
    auto after = gguf::file_runtimes(merged_infos, trunk.path());
    if (!before || !after || *before == *after || *after == gguf::TypeRuntimes::both) return;
    std::fprintf(stderr, "gguf-mtp: warning: the merged model loads only in %s (the head's tensor types); %s loads in %s\n",
                 std::string(gguf::runtimes_name(*after)).c_str(), trunk.path().c_str(), std::string(gguf::runtimes_name(*before)).c_str());
}

int run_extract(SurgeryOptions o) {
    auto model = open_model(o.input, gguf::OpenFor::copying, o.remote, o.dialect);
    if (!model) return report_error(model.error());
    if (o.output.empty()) o.output = default_head_name(o.input);
    const auto arch = model->metadata().get_string(gguf::keys::kArchitecture).value_or("");
    if (const auto* table = gguf::find_mtp_architecture(arch); table && !table->loads_mtp_only && !o.out.dry_run) {
        std::fprintf(stderr, "gguf-mtp: note: llama.cpp cannot load a %s head file on its own; merge it into a trunk to use it\n",
                     std::string(arch).c_str());
    }
    // Said only of ik's own files: of a llama.cpp file, it would be noise on
    // nearly every extract.
    const bool ik_file = model->shard(0).header().dialect == gguf::Dialect::ik_llama;
    if (const auto* table = gguf::find_mtp_architecture(arch); table && ik_file && !table->ik.loads_head_file && !o.out.dry_run) {
        std::fprintf(stderr, table->ik.reads_nextn
                                 ? "gguf-mtp: note: ik_llama.cpp loads no separate %s head file; merge it into a trunk to use it there\n"
                                 : "gguf-mtp: note: ik_llama.cpp does not read %s's NextN layers, in a head file or a bundled one\n",
                     std::string(arch).c_str());
    }
    return finish(gguf::plan_extract(*model), o, {&*model}, "extract");
}

int run_strip(SurgeryOptions o) {
    auto model = open_model(o.input, gguf::OpenFor::copying, o.remote, o.dialect);
    if (!model) return report_error(model.error());
    if (o.output.empty()) o.output = default_trunk_name(o.input);
    auto mtp = gguf::summarize_mtp(*model);
    if (!mtp) return report_error(mtp.error());
    if (mtp->layout == gguf::MtpLayout::none) {
        if (!o.allow_no_mtp) {
            std::fprintf(stderr, "gguf-mtp: error: %s: has no MTP blocks, nothing to strip (--allow-no-mtp copies it unchanged)\n",
                         o.input.c_str());
            return kExitError;
        }
        return finish(gguf::plan_copy(*model), o, {&*model}, "strip");
    }
    return finish(gguf::plan_strip(*model), o, {&*model}, "strip");
}

int run_merge(SurgeryOptions o) {
    auto trunk = open_model(o.input, gguf::OpenFor::copying, o.remote, o.dialect);
    if (!trunk) return report_error(trunk.error());
    auto head = open_model(o.head, gguf::OpenFor::copying, o.remote, o.dialect);
    if (!head) return report_error(head.error());
    if (o.output.empty()) o.output = default_merged_name(o.input);
    auto plan = gguf::plan_merge(*trunk, *head);
    if (plan) warn_if_fewer_runtimes(*trunk, *plan);
    return finish(plan, o, {&*trunk, &*head}, "merge");
}

CLI::App* add_surgery(CLI::App& app, const char* name, const std::string& about, std::shared_ptr<SurgeryOptions> o) {
    CLI::App* cmd = app.add_subcommand(name, about);
    cmd->add_option("-o,--output", o->output, "output file (or split prefix); see the default above");
    add_output_flags(*cmd, o->out, true);
    add_remote_options(*cmd, o->remote);
    add_dialect_option(*cmd, o->dialect);
    return cmd;
}

}  // namespace

void add_surgery_commands(CLI::App& app, int& exit_code) {
    auto ex = std::make_shared<SurgeryOptions>();
    CLI::App* extract = add_surgery(
        app, "extract",
        "Write a model's MTP head alone, as llama.cpp's convert --mtp would: every key, the MTP blocks,\n"
        "token_embd, output_norm and output. llama.cpp loads it as a draft model (-md FILE --spec-type draft-mtp).\n"
        "Default output: mtp-NAME.gguf beside the input.",
        ex);
    extract->add_option("model", ex->input, "bundled GGUF model (or any shard of a split set), or its URL")->required();
    extract->callback([ex, &exit_code] { exit_code = run_extract(*ex); });

    auto st = std::make_shared<SurgeryOptions>();
    CLI::App* strip = add_surgery(
        app, "strip",
        "Write a model without its MTP blocks, as convert --no-mtp would: the NextN key removed, block_count\n"
        "reduced, per-layer arrays cut to the trunk. Default output: NAME-no-mtp.gguf beside the input.",
        st);
    strip->add_option("model", st->input, "bundled GGUF model (or any shard of a split set), or its URL")->required();
    strip->add_flag("--allow-no-mtp", st->allow_no_mtp, "copy a model that has no MTP blocks instead of failing");
    strip->callback([st, &exit_code] { exit_code = run_strip(*st); });

    auto mg = std::make_shared<SurgeryOptions>();
    CLI::App* merge = add_surgery(
        app, "merge",
        "Attach an MTP head to a trunk, giving the bundled model. Refused unless they belong together:\n"
        "architecture, embedding length, vocabulary and tokenizer, block counts. The trunk may be of any\n"
        "quantization. Default output: TRUNK-with-mtp.gguf beside the trunk.",
        mg);
    merge->add_option("trunk", mg->input, "trunk without MTP (or any shard of a split set)")->required();
    merge->add_option("head", mg->head, "MTP head file, as extract writes it")->required();
    merge->callback([mg, &exit_code] { exit_code = run_merge(*mg); });
}

}  // namespace gguf_mtp
