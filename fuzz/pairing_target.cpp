// The surgery inputs: a trunk and a head (two files in one input). Opens
// both, checks the pair, and plans extract, strip and merge as the
// commands would, without writing.
#include "fuzz_targets.h"
#include "gguf/split/model.h"
#include "gguf/mtp/mtp.h"
#include "gguf/mtp/mtp_surgery.h"
#include "gguf/plan/writer.h"
#include "scratch_files.h"

namespace gguf_fuzz {
namespace {

void lay_out(const gguf::Result<gguf::Plan>& plan, const ScratchDir& dir) {
    if (!plan) return;
    gguf::WriteOptions options;
    options.output = dir.path("out.gguf");
    (void)gguf::layout_plan(*plan, options);
}

}  // namespace

bool pairing(std::span<const uint8_t> data) {
    const auto files = split_files(data, 2);
    ScratchDir dir;
    auto trunk = gguf::Model::open(dir.write("trunk.gguf", files.front()));
    if (!trunk) return false;
    (void)gguf::summarize_mtp(*trunk);
    lay_out(gguf::plan_extract(*trunk), dir);
    lay_out(gguf::plan_strip(*trunk), dir);
    if (files.size() < 2) return false;
    auto head = gguf::Model::open(dir.write("head.gguf", files.back()));
    if (!head) return false;
    if (!gguf::check_pair(*trunk, *head)) return false;
    lay_out(gguf::plan_merge(*trunk, *head), dir);
    return true;
}

}  // namespace gguf_fuzz
