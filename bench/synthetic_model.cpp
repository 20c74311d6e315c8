// Writes a synthetic bundled model (qwen35moe naming, one MTP block) of a
// chosen size and tensor count, for whole-command benchmarks. Tensor bytes
// are a cheap repeating pattern: the benchmarks measure I/O, not content.
// The tokenizer is a gpt2 one of VOCAB tokens (default 256), with token
// types and a merge per token past the first 256: at a real model's VOCAB
// (Qwen's 151,936) the header is a real model's size, several MiB.
//
//   gguf-mtp-synthetic OUT.gguf SIZE_MIB TENSORS [VOCAB]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

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

// Token `i`: pseudo-random letters then its number, so distinct, 2 to 12
// bytes, about as long as byte-level BPE tokens are on average.
std::string token_text(uint64_t i) {
    static constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyz.,-_";
    std::string s;
    uint64_t state = i * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t letters = 1 + (state >> 60) % 6;
    while (s.size() < letters) {
        s += kLetters[(state >> 33) % kLetters.size()];
        state = state * 6364136223846793005ull + 1442695040888963407ull;
    }
    return s + std::to_string(i);
}

void append_tokenizer(gguf::Metadata& md, uint64_t vocab) {
    std::vector<std::string> tokens, merges;
    std::vector<int64_t> types;
    for (uint64_t i = 0; i < vocab; ++i) {
        tokens.push_back(token_text(i));
        types.push_back(i + 32 >= vocab ? 3 : 1);  // the last few are control tokens
        if (i >= 256) merges.push_back(token_text(i / 2) + " " + token_text(i - 256));
    }
    md.append("tokenizer.ggml.model", gguf::Value::string("gpt2"));
    md.append("tokenizer.ggml.pre", gguf::Value::string("qwen2"));
    md.append("tokenizer.ggml.tokens", gguf::Value::string_array(tokens));
    md.append("tokenizer.ggml.token_type", gguf::Value::int_array(gguf::ValueType::i32, types));
    md.append("tokenizer.ggml.merges", gguf::Value::string_array(merges));
    md.append("tokenizer.ggml.eos_token_id", gguf::Value::u32(static_cast<uint32_t>(vocab - 1)));
}

gguf::Status fill(std::span<uint8_t> out) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i * 131 + 7);
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4 && argc != 5) {
        std::fprintf(stderr, "usage: %s OUT.gguf SIZE_MIB TENSORS [VOCAB]\n", argv[0]);
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
    append_tokenizer(md, argc == 5 ? std::max<uint64_t>(std::strtoull(argv[4], nullptr, 10), 256) : 256);

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
