// Verification: everything that can be wrong with a model, a head/trunk pair
// or a batch's outputs, reported as a list of findings rather than the first
// error.
//
// A model (one file, a .gguf.zst stream, or a split set through any shard)
// is checked for:
//  - its structure, as the parser checks it (gguf_file.h): a file that does
//    not parse yields the parser's error; its data section is then examined
//    on its own, so every misaligned, overlapping or truncated tensor is
//    listed, and every missing shard or inconsistent split key of a set;
//  - data bytes no tensor uses (gaps, trailing bytes): warnings;
//  - per-layer arrays whose length is not what llama.cpp requires
//    (<arch>.block_count, or the trunk's block count for the arrays that
//    architecture reads for the trunk only), and blk.N tensors beyond it;
//  - NextN keys that contradict the tensors present (a declared head that is
//    absent or lacks a tensor llama.cpp requires, NextN tensors without the
//    key);
//  - with scan_data, tensor data as ggml_validate_row_data checks it: NaN or
//    Inf in F32/F16/BF16/F64 tensors (F64 values beyond the f32 range too, as
//    ggml checks them through a float), NaN or Inf block scales (f16 d, dmin
//    or m fields; Q8_K's f32 d; IQ1_M's assembled scale) and the reserved
//    E8M0 exponent 0xFF of MXFP4 blocks.
// Sizes need no check of their own: GGUF stores none, the parser derives
// each tensor's size from its type and shape.
//
// Findings never stop verification (except that a file that does not parse
// cannot be checked further). Nothing is printed; nothing is written.
//
// Thread safety: verifying only reads its files; calls may run at once,
// and a verify call spreads its own data checks over threads.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/error.h"
#include "gguf/format/read_options.h"
#include "gguf/mtp/mtp_surgery.h"
#include "gguf/compat/llama_release.h"
#include "gguf/plan/writer.h"

namespace gguf {

// What a finding is about. Names are stable (JSON output, scripts).
enum class Check {
    file,          // a file cannot be opened or its header does not parse
    data_extents,  // tensor data misaligned, overlapping, past the end, or bytes no tensor uses
    split_set,     // shards missing, split keys inconsistent, a tensor in two shards
    block_count,   // per-layer arrays or blk.N tensors that disagree with <arch>.block_count
    mtp,           // NextN keys that contradict the tensors present
    tensor_data,   // NaN or Inf values, invalid block scales
    pair,          // a head that does not belong to a trunk (merge's checks)
    output,        // a listed output that is missing, resized or hashes differently
    release,       // block tensors that a supported llama.cpp release does not load or run
};
std::string_view check_name(Check check);

enum class Severity { error, warning };
std::string_view severity_name(Severity severity);

struct Finding {
    Check check = Check::file;
    Severity severity = Severity::error;
    Error error;         // file, byte offset when known, code and message
    std::string tensor;  // the tensor concerned, when there is one
};

struct VerifyOptions {
    bool scan_data = false;
    unsigned threads = 0;  // for the data scan; 0: one per core
    // Called on the calling thread while tensor data is scanned or files are
    // hashed (tensors_* then count files).
    std::function<void(const Progress&)> on_progress;
    // The llama.cpp release whose loader rules apply (per-layer array
    // lengths); where another release judges a file otherwise, a finding
    // says which releases load it.
    LlamaRelease release = kNewestRelease;
    ReadOptions read = {};  // for models named by URL, and a --dialect the user gives
};

// Which runtimes load a model that opened (format/dialect.h's file_runtimes),
// and for one with NextN layers of an architecture in the MTP table, what
// ik_llama.cpp does with them.
struct ModelRuntimes {
    std::string path;
    TypeRuntimes runtimes = TypeRuntimes::both;
    std::optional<IkMtpSupport> ik_mtp;
};

struct VerifyReport {
    std::vector<std::string> files;  // every file examined, in set order
    std::vector<ModelRuntimes> runtimes;  // per model that opened
    // What the headers that parse list, whether or not the data is all
    // there: a truncated file's tensors count too.
    size_t tensors = 0;
    uint64_t tensor_bytes = 0;
    uint64_t bytes_scanned = 0;      // tensor data read by the data scan, or bytes hashed
    std::vector<Finding> findings;

    size_t count(Severity severity) const;
    bool ok() const { return count(Severity::error) == 0; }
    void append(VerifyReport other);
};

VerifyReport verify_model(const std::string& path, const VerifyOptions& options = {});

// Both models, then the checks merge runs before writing (check_pair in
// mtp_surgery.h): architecture, embedding length, vocabulary and tokenizer,
// block counts, and that the trunk has no head of its own.
VerifyReport verify_pair(const std::string& trunk, const std::string& head, const VerifyOptions& options = {});

// One output a manifest lists (see man/gguf-mtp-verify.1.scd for the format).
struct ListedOutput {
    std::string path;  // as listed; relative paths are resolved against base_dir
    uint64_t bytes = 0;
    std::string xxh3_128;  // 32 lower-case hex digits (file_hash.h)
};

// Re-hashes every output: a missing or unreadable file, another size or
// another hash is an error naming the file.
VerifyReport verify_outputs(std::span<const ListedOutput> outputs, const std::string& base_dir,
                            const VerifyOptions& options = {});

}  // namespace gguf
