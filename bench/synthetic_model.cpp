// Writes a synthetic bundled model (qwen35moe naming, one MTP block) of a
// chosen size and tensor count, for whole-command benchmarks. Tensor bytes
// are a cheap repeating pattern: the benchmarks measure I/O, not content.
//
//   gguf-mtp-synthetic OUT.gguf SIZE_MIB TENSORS
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gguf/plan/writer.h"

namespace {

constexpr uint32_t kEmbd = 1024;

gguf::TensorInfo matrix(const std::string& name, uint64_t rows) {
    gguf::TensorInfo t;
    t.name = name;
    t.type = gguf::TensorType::F16;
    t.n_dims = 2;
    t.ne = {kEmbd, rows, 1, 1};
    t.n_bytes = *gguf::tensor_bytes(t.type, t.ne);
    return t;
}

gguf::TensorInfo vector(const std::string& name) {
    gguf::TensorInfo t;
    t.name = name;
    t.ne = {kEmbd, 1, 1, 1};
    t.n_bytes = kEmbd * 4;
    return t;
}

gguf::Status fill(std::span<uint8_t> out) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i * 131 + 7);
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s OUT.gguf SIZE_MIB TENSORS\n", argv[0]);
        return 2;
    }
    const uint64_t size = std::strtoull(argv[2], nullptr, 10) << 20;
    const uint64_t tensors = std::max<uint64_t>(std::strtoull(argv[3], nullptr, 10), 16);
    const uint32_t per_block = 8;  // 4 norms/vectors + 4 matrices
    const uint32_t blocks = static_cast<uint32_t>(tensors / per_block);  // the last one is the MTP block
    const uint64_t matrices = uint64_t(blocks) * 4;
    const uint64_t rows = std::max<uint64_t>(1, size / matrices / (kEmbd * 2));

    gguf::Plan plan;
    auto& md = plan.metadata;
    md.append("general.architecture", gguf::Value::string("qwen35moe"));
    md.append("general.type", gguf::Value::string("model"));
    md.append("general.name", gguf::Value::string("Synthetic benchmark model"));
    md.append("qwen35moe.block_count", gguf::Value::u32(blocks));
    md.append("qwen35moe.embedding_length", gguf::Value::u32(kEmbd));
    md.append("qwen35moe.nextn_predict_layers", gguf::Value::u32(1));
    md.append("tokenizer.ggml.model", gguf::Value::string("gpt2"));
    std::vector<std::string> tokens;
    for (int i = 0; i < 256; ++i) tokens.push_back("t" + std::to_string(i));
    md.append("tokenizer.ggml.tokens", gguf::Value::string_array(tokens));

    auto add = [&](gguf::TensorInfo t) { plan.tensors.push_back({std::move(t), gguf::FillSource(fill)}); };
    for (uint32_t b = 0; b < blocks; ++b) {
        const std::string p = "blk." + std::to_string(b) + ".";
        add(vector(p + "attn_norm.weight"));
        add(vector(p + "post_attention_norm.weight"));
        add(matrix(p + "attn_q.weight", rows));
        add(matrix(p + "attn_k.weight", rows));
        add(matrix(p + "attn_v.weight", rows));
        add(matrix(p + "ffn_up.weight", rows));
        if (b + 1 == blocks) {
            add(vector(p + "nextn.enorm.weight"));
            add(vector(p + "nextn.hnorm.weight"));
            add(matrix(p + "nextn.eh_proj.weight", 2));
        } else {
            add(vector(p + "ffn_norm.weight"));
            add(vector(p + "attn_q_norm.weight"));
        }
    }
    add(vector("output_norm.weight"));
    gguf::WriteOptions options;
    options.output = argv[1];
    options.overwrite = true;
    auto report = gguf::write_plan(plan, options);
    if (!report) {
        std::fprintf(stderr, "%s\n", report.error().to_string().c_str());
        return 1;
    }
    std::printf("%s: %zu tensors, %llu bytes\n", argv[1], plan.tensors.size(), static_cast<unsigned long long>(report->bytes_written));
    return 0;
}
