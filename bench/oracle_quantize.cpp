// llama_model_quantize of the reference llama.cpp, called as llama-quantize
// calls it (the imatrix read the way llama-quantize reads it, the same
// quantize.imatrix.* keys), for scripts/bench-quantize.sh.
//
//   gguf-mtp-oracle-quantize IN.gguf OUT.gguf PRESET THREADS [IMATRIX]
#include <cstdio>
#include <cstdlib>

#include "gguf/imatrix/imatrix.h"
#include "gguf/quant/quant_presets.h"
#include "oracle_llama.h"

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s IN.gguf OUT.gguf PRESET THREADS [IMATRIX]\n", argv[0]);
        return 2;
    }
    const gguf::QuantPreset* preset = gguf::find_preset(argv[3]);
    if (!preset) {
        std::fprintf(stderr, "unknown preset %s\n", argv[3]);
        return 2;
    }
    oracle::QuantizeParams params;
    params.ftype = static_cast<uint32_t>(preset->file_type);
    params.threads = std::atoi(argv[4]);
    if (argc > 5) {
        auto imatrix = gguf::read_imatrix(argv[5]);
        if (!imatrix) {
            std::fprintf(stderr, "%s\n", imatrix.error().to_string().c_str());
            return 1;
        }
        for (const auto& [name, entry] : imatrix->entries) params.importance.emplace_back(name, imatrix->weights(name));
        using K = oracle::KeyOverride::Kind;
        params.keys.push_back({"quantize.imatrix.file", K::text, argv[5]});
        if (!imatrix->datasets.empty()) params.keys.push_back({"quantize.imatrix.dataset", K::text, imatrix->datasets.front()});
        params.keys.push_back({"quantize.imatrix.entries_count", K::integer, "", static_cast<int64_t>(imatrix->entries.size())});
        if (imatrix->chunk_count > 0) params.keys.push_back({"quantize.imatrix.chunks_count", K::integer, "", imatrix->chunk_count});
    }
    auto done = oracle::quantize(argv[1], argv[2], params);
    if (!done) {
        std::fprintf(stderr, "%s\n", done.error().c_str());
        return 1;
    }
    return 0;
}
