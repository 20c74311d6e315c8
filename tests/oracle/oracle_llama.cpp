#include "oracle_llama.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>

#include "ggml-backend.h"
#include "llama-ext.h"  // llama_set_embeddings_nextn and friends: staging API, C++ linkage
#include "llama.h"

namespace oracle {

gguf::LlamaRelease release() {
    // GGUF_MTP_ORACLE_RELEASE: the oracle folder's `release` file (CMakeLists.txt).
    return *gguf::parse_llama_release(GGUF_MTP_ORACLE_RELEASE);
}

namespace {

std::mutex log_mutex;
std::string log_text;
std::string error_text;  // error lines only, for failure messages

void capture_log(ggml_log_level level, const char* text, void*) {
    std::lock_guard lock(log_mutex);
    log_text += text;
    if (level == GGML_LOG_LEVEL_ERROR) error_text += text;
}

std::string failure(const std::string& what) {
    std::lock_guard lock(log_mutex);
    std::string message = what;
    if (!error_text.empty()) message += ": " + error_text;
    error_text.clear();
    return message;
}

using ModelPtr = std::unique_ptr<llama_model, decltype(&llama_model_free)>;
using ContextPtr = std::unique_ptr<llama_context, decltype(&llama_free)>;

struct Batch {
    llama_batch batch;
    Batch(int32_t n_tokens, int32_t n_embd) : batch(llama_batch_init(n_tokens, n_embd, 1)) {
        // llama_batch_init leaves `token` null when it allocates `embd`, but
        // the MTP context reads both; llama_batch_free frees it with free().
        if (n_embd > 0) batch.token = static_cast<llama_token*>(std::calloc(n_tokens, sizeof(llama_token)));
    }
    ~Batch() { llama_batch_free(batch); }
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

    void set(int32_t i, llama_token token, llama_pos pos, bool logits) {
        batch.token[i] = token;
        batch.pos[i] = pos;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = logits;
    }
};

Result<ModelPtr> load(const std::string& path, bool load_mtp) {
    llama_model_params params = llama_model_default_params();
    params.n_gpu_layers = 0;
    params.load_mtp = load_mtp;
    ModelPtr model(llama_model_load_from_file(path.c_str(), params), llama_model_free);
    if (!model) return std::unexpected(failure("cannot load " + path));
    return model;
}

Result<ContextPtr> context(llama_model* model, llama_context_type type, llama_context* target) {
    llama_context_params params = llama_context_default_params();
    params.n_ctx = 64;
    params.n_batch = 64;
    params.n_ubatch = 64;
    params.n_seq_max = 1;
    // One thread: ggml's workers spin at every graph barrier, and with ctest
    // running as many tests as there are cores, two spinning processes on
    // two cores made a 0.4 s decode take 7 s. The models are tiny anyway.
    params.n_threads = 1;
    params.n_threads_batch = 1;
    params.no_perf = true;
    params.ctx_type = type;
    if (type == LLAMA_CONTEXT_TYPE_MTP) {
        params.n_rs_seq = 0;  // as the drafter: no recurrent-state rollback
        params.ctx_other = target;
    }
    ContextPtr ctx(llama_init_from_model(model, params), llama_free);
    if (!ctx) return std::unexpected(failure("cannot create a context"));
    return ctx;
}

Result<void> decode_tokens(llama_context* ctx, std::span<const int32_t> tokens) {
    Batch b(static_cast<int32_t>(tokens.size()), 0);
    for (size_t i = 0; i < tokens.size(); ++i)
        b.set(static_cast<int32_t>(i), tokens[i], static_cast<llama_pos>(i), true);
    b.batch.n_tokens = static_cast<int32_t>(tokens.size());
    if (llama_decode(ctx, b.batch) != 0) return std::unexpected(failure("decode failed"));
    return {};
}

std::vector<float> logits_of(llama_context* ctx, const llama_model* model, int32_t i) {
    const float* logits = llama_get_logits_ith(ctx, i);
    const int32_t n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    return std::vector<float>(logits, logits + n_vocab);
}

}  // namespace

void init() {
    static std::once_flag once;
    std::call_once(once, [] {
        llama_log_set(capture_log, nullptr);
        // The CPU backend is a separate library per instruction set, dlopen'd
        // from a directory; ggml_backend_load_all() would search only the
        // executable's directory and the working directory.
        ggml_backend_load_all_from_path(GGUF_MTP_ORACLE_BACKEND_DIR);
        llama_backend_init();
    });
}

std::string take_log() {
    std::lock_guard lock(log_mutex);
    error_text.clear();
    return std::exchange(log_text, {});
}

Result<LayerCounts> load_counts(const std::string& path, bool load_mtp) {
    auto model = load(path, load_mtp);
    if (!model) return std::unexpected(model.error());
    return LayerCounts{llama_model_n_layer(model->get()), llama_model_n_layer_nextn(model->get())};
}

Result<std::vector<float>> last_logits(const std::string& path, bool load_mtp, std::span<const int32_t> tokens) {
    auto model = load(path, load_mtp);
    if (!model) return std::unexpected(model.error());
    auto ctx = context(model->get(), LLAMA_CONTEXT_TYPE_DEFAULT, nullptr);
    if (!ctx) return std::unexpected(ctx.error());
    if (auto decoded = decode_tokens(ctx->get(), tokens); !decoded) return std::unexpected(decoded.error());
    return logits_of(ctx->get(), model->get(), static_cast<int32_t>(tokens.size()) - 1);
}

Result<std::vector<std::vector<float>>> mtp_draft_logits(const std::string& target_path, const std::string& draft_path,
                                                         std::span<const int32_t> tokens, int32_t next_token) {
    auto target = load(target_path, true);
    if (!target) return std::unexpected(target.error());
    auto target_ctx = context(target->get(), LLAMA_CONTEXT_TYPE_DEFAULT, nullptr);
    if (!target_ctx) return std::unexpected(target_ctx.error());
    llama_set_embeddings_nextn(target_ctx->get(), true, false);
    if (auto decoded = decode_tokens(target_ctx->get(), tokens); !decoded) return std::unexpected(decoded.error());

    ModelPtr separate_draft(nullptr, llama_model_free);
    if (!draft_path.empty()) {
        auto loaded = load(draft_path, true);
        if (!loaded) return std::unexpected(loaded.error());
        separate_draft = std::move(*loaded);
    }
    llama_model* draft = separate_draft ? separate_draft.get() : target->get();
    auto mtp_ctx = context(draft, LLAMA_CONTEXT_TYPE_MTP, target_ctx->get());
    if (!mtp_ctx) return std::unexpected(mtp_ctx.error());
    llama_context* mtp = mtp_ctx->get();
    llama_set_embeddings_nextn(mtp, true, true);

    const int32_t n_embd = llama_model_n_embd_out(draft);
    const int32_t n_tokens = static_cast<int32_t>(tokens.size());
    const int32_t n_heads = llama_model_n_layer_nextn(draft);
    if (n_heads < 1) return std::unexpected(failure("the draft model has no MTP layers"));
    const bool chained = n_heads > 1;
    const auto row_of = [n_embd](float* base, int32_t row) { return base + static_cast<size_t>(row) * n_embd; };
    const auto copy_row = [n_embd](float* to, const float* from) { std::memcpy(to, from, sizeof(float) * n_embd); };
    // Each head's step starts from a clean slice of the MTP memory and runs
    // that head's block (speculative.cpp: seq_rm, then the layer offset).
    const auto select_head = [&](int32_t head, llama_pos from) {
        if (!chained) return;
        llama_memory_seq_rm(llama_get_memory(mtp), 0, from, -1);
        llama_set_nextn_layer_offset(mtp, head);
    };

    const float* nextn = llama_get_embeddings_nextn(target_ctx->get());
    if (!nextn) return std::unexpected(failure("the target exposes no NextN embeddings"));
    // Copied before the MTP context decodes: the drafter keeps its own copy too.
    const std::vector<float> hidden(nextn, nextn + static_cast<size_t>(n_tokens) * n_embd);

    // Catch-up: token k travels with the target's hidden state after token
    // k-1; the first token has none yet and gets zeros, as the drafter's
    // empty pending state. Every head catches up on the same batch.
    const int32_t n_rows = std::max(n_tokens, n_heads);
    Batch b(n_rows, n_embd);
    for (int32_t k = 0; k < n_tokens; ++k) {
        b.set(k, tokens[k], k, false);
        if (k == 0) std::memset(row_of(b.batch.embd, 0), 0, sizeof(float) * n_embd);
        else copy_row(row_of(b.batch.embd, k), hidden.data() + static_cast<size_t>(k - 1) * n_embd);
    }
    for (int32_t head = 0; head < n_heads; ++head) {
        select_head(head, 0);
        b.batch.n_tokens = n_tokens;
        if (llama_decode(mtp, b.batch) != 0)
            return std::unexpected(failure("MTP catch-up decode failed (head " + std::to_string(head) + ")"));
    }

    // The draft: head i decodes the drafted prefix [next_token, d_0 .. d_i-1]
    // at positions n_tokens.., row t carrying hidden state h_t (h_0: the
    // target's after the last token; h_t+1: head t's NextN output), logits on
    // the last row only. One head: one row, the plain MTP draft step.
    std::vector<llama_token> drafted = {next_token};
    std::vector<float> chain_h(hidden.end() - n_embd, hidden.end());
    std::vector<std::vector<float>> out;
    for (int32_t head = 0; head < n_heads; ++head) {
        const int32_t n_prefix = head + 1;
        for (int32_t t = 0; t < n_prefix; ++t) {
            b.set(t, drafted[t], n_tokens + t, t == n_prefix - 1);
            copy_row(row_of(b.batch.embd, t), chain_h.data() + static_cast<size_t>(t) * n_embd);
        }
        b.batch.n_tokens = n_prefix;
        select_head(head, n_tokens);
        if (llama_decode(mtp, b.batch) != 0)
            return std::unexpected(failure("MTP draft decode failed (head " + std::to_string(head) + ")"));
        out.push_back(logits_of(mtp, draft, n_prefix - 1));
        drafted.push_back(static_cast<llama_token>(std::ranges::max_element(out.back()) - out.back().begin()));
        const float* h = llama_get_embeddings_nextn_ith(mtp, n_prefix - 1);
        if (!h) return std::unexpected(failure("the MTP context exposes no NextN embeddings"));
        chain_h.insert(chain_h.end(), h, h + n_embd);
    }
    if (chained) llama_set_nextn_layer_offset(mtp, 0);
    return out;
}

Result<bool> quantize(const std::string& input, const std::string& output, const QuantizeParams& p) {
    init();
    llama_model_quantize_params params = llama_model_quantize_default_params();
    params.ftype = static_cast<llama_ftype>(p.ftype);
    params.pure = p.pure;
    params.only_copy = p.only_copy;
    params.quantize_output_tensor = !p.leave_output_tensor;
    params.keep_split = p.keep_split;
    params.allow_requantize = p.allow_requantize;
    params.nthread = p.threads;
    if (p.output_tensor_type >= 0) params.output_tensor_type = static_cast<ggml_type>(p.output_tensor_type);
    if (p.token_embedding_type >= 0) params.token_embedding_type = static_cast<ggml_type>(p.token_embedding_type);
    std::vector<llama_model_imatrix_data> data;
    for (const auto& [name, weights] : p.importance) data.push_back({name.c_str(), weights.data(), weights.size()});
    data.push_back({nullptr, nullptr, 0});
    if (!p.importance.empty()) params.imatrix = data.data();
    std::vector<llama_model_kv_override> overrides;
    for (const auto& k : p.keys) {
        llama_model_kv_override o{};
        std::strncpy(o.key, k.key.c_str(), sizeof(o.key) - 1);
        switch (k.kind) {
            case KeyOverride::Kind::integer: o.tag = LLAMA_KV_OVERRIDE_TYPE_INT; o.val_i64 = k.number; break;
            case KeyOverride::Kind::floating: o.tag = LLAMA_KV_OVERRIDE_TYPE_FLOAT; o.val_f64 = k.real; break;
            case KeyOverride::Kind::boolean: o.tag = LLAMA_KV_OVERRIDE_TYPE_BOOL; o.val_bool = k.flag; break;
            case KeyOverride::Kind::text: o.tag = LLAMA_KV_OVERRIDE_TYPE_STR; std::strncpy(o.val_str, k.text.c_str(), 127); break;
        }
        overrides.push_back(o);
    }
    overrides.emplace_back();
    overrides.back().key[0] = 0;
    if (!p.keys.empty()) params.kv_overrides = overrides.data();
    std::vector<llama_model_tensor_override> rules;
    for (const auto& [pattern, type] : p.tensor_types) rules.push_back({pattern.c_str(), static_cast<ggml_type>(type)});
    rules.push_back({nullptr, GGML_TYPE_COUNT});
    if (!p.tensor_types.empty()) params.tt_overrides = rules.data();
    std::vector<int32_t> prune = p.prune_layers;
    prune.push_back(-1);
    if (!p.prune_layers.empty()) params.prune_layers = prune.data();
    if (llama_model_quantize(input.c_str(), output.c_str(), &params) != 0) {
        return std::unexpected("llama_model_quantize failed: " + take_log());
    }
    take_log();
    return true;
}

}  // namespace oracle
