#include "gguf/plan/writer.h"

#include <algorithm>

#include "../format/header_writer.h"
#include "../io/atomic_output.h"
#include "copy_run.h"
#include "run_reader.h"
#include "gguf/format/dialect.h"
#include "gguf/split/split_naming.h"

namespace gguf {
namespace {

using detail::align_up;

constexpr uint64_t kProgressChunk = 256ull << 20;
// llama-gguf-split measures shard sizes with tensors padded to GGUF's
// default alignment, whatever the file's own alignment.
constexpr uint64_t kSplitSizeAlignment = 32;

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool writes_split(const WriteOptions& options) { return options.split.enabled() || !options.fixed_shards.empty(); }

// Tensor indices per shard, following llama-gguf-split's rules.
std::vector<std::vector<size_t>> assign_shards(const Plan& plan, const WriteOptions& options) {
    if (!options.fixed_shards.empty()) {
        const uint32_t count = *std::max_element(options.fixed_shards.begin(), options.fixed_shards.end()) + 1;
        std::vector<std::vector<size_t>> shards(count);
        for (size_t i = 0; i < options.fixed_shards.size(); ++i) shards[options.fixed_shards[i]].push_back(i);
        return shards;
    }
    const SplitLimits& limits = options.split;
    std::vector<std::vector<size_t>> shards(1);
    if (limits.no_tensor_first_split) shards.emplace_back();
    uint64_t shard_bytes = 0;
    for (size_t i = 0; i < plan.tensors.size(); ++i) {
        const uint64_t padded = align_up(plan.tensors[i].info.n_bytes, kSplitSizeAlignment);
        const bool over_size = limits.max_bytes > 0 && shard_bytes + padded > limits.max_bytes && !shards.back().empty();
        const bool over_count = limits.max_tensors > 0 && shards.back().size() >= limits.max_tensors;
        if (over_size || over_count) {
            shards.emplace_back();
            shard_bytes = 0;
        }
        shards.back().push_back(i);
        shard_bytes += padded;
    }
    return shards;
}

// A shard's header, written through write() rather than held as bytes: a
// large vocabulary's arrays go from the input's metadata to the output.
struct ShardHeader {
    uint32_t version = 3;
    Metadata metadata;
    std::vector<TensorInfo> tensors;
    uint64_t alignment = kDefaultAlignment;

    uint64_t size() const { return detail::header_size(version, metadata, tensors, alignment); }
    Status write(AtomicOutput& out) const {
        return detail::write_header(version, metadata, tensors, alignment, [&](std::span<const uint8_t> piece) { return out.write(piece); });
    }
};

ShardHeader build_shard_header(const Plan& plan, const std::vector<size_t>& indices, bool split, uint32_t shard,
                               uint32_t shard_count) {
    ShardHeader h;
    h.version = plan.version;
    if (!split || shard == 0) h.metadata = plan.metadata;
    if (split) {
        h.metadata.set(keys::kSplitNo, Value::u16(static_cast<uint16_t>(shard)));
        h.metadata.set(keys::kSplitCount, Value::u16(static_cast<uint16_t>(shard_count)));
        h.metadata.set(keys::kSplitTensorsCount, Value::i32(static_cast<int32_t>(plan.tensors.size())));
    }
    if (auto a = h.metadata.get_uint(keys::kAlignment); a && *a > 0) h.alignment = *a;
    for (size_t i : indices) h.tensors.push_back(plan.tensors[i].info);
    detail::assign_offsets(h.tensors, h.alignment);
    return h;
}

Error naming_tensor(Error e, const std::string& tensor, const std::string& path) {
    if (e.file.empty()) e.file = path;
    e.message = "tensor '" + tensor + "': " + e.message;
    return e;
}

// Copies the run of tensors shard.tensors[first..run.end) and the padding
// after its last one, in pieces of kProgressChunk so that progress moves
// along; a failure names the tensor the copy had reached.
template <class Report>
Status copy_run(const Plan& plan, const ShardLayout& shard, size_t first, const detail::CopyRun& run, uint64_t alignment,
                AtomicOutput& out, Progress& progress, const Report& report_progress) {
    const GgufFile& file = *std::get<CopySource>(plan.tensors[shard.tensors[first]].source).file;
    const auto info = [&](size_t k) -> const TensorInfo& { return plan.tensors[shard.tensors[k]].info; };
    size_t k = first;           // the tensor the copy is within (or in the padding after)
    uint64_t tensor_start = 0;  // where k starts in the run
    uint64_t counted = 0;       // the run's bytes that progress has counted
    const auto count_to = [&](uint64_t done) {
        for (; k < run.end; ++k) {
            const uint64_t tensor_end = tensor_start + info(k).n_bytes;
            const uint64_t from = std::max(counted, tensor_start), to = std::min(done, tensor_end);
            if (to > from) progress.bytes_done += to - from;
            if (done < tensor_end) break;
            ++progress.tensors_done;
            tensor_start = align_up(tensor_end, alignment);
        }
        counted = done;
    };
    const uint64_t before = out.bytes_written();
    for (uint64_t done = 0; done < run.bytes;) {
        const uint64_t chunk = std::min(kProgressChunk, run.bytes - done);
        if (auto ok = out.copy_from(file.fd(), run.in_offset + done, chunk, file.path()); !ok) {
            count_to(std::min(out.bytes_written() - before, run.bytes - 1));
            return std::unexpected(naming_tensor(ok.error(), info(k).name, shard.path));
        }
        done += chunk;
        count_to(done);
        report_progress();
    }
    return out.write_zeros(align_up(run.bytes, alignment) - run.bytes);
}

Status validate_plan(const Plan& plan, const WriteOptions& options) {
    const uint64_t alignment = plan.alignment();
    if ((alignment & (alignment - 1)) != 0) {
        return fail(ErrorCode::invalid_argument, options.output, "general.alignment " + std::to_string(alignment) + " is not a power of two");
    }
    for (const auto& t : plan.tensors) {
        auto size = tensor_bytes(t.info.type, t.info.ne);
        if (!size) return fail(size.error().code, options.output, "tensor '" + t.info.name + "': " + size.error().message);
        if (*size != t.info.n_bytes) {
            return fail(ErrorCode::invalid_argument, options.output, "tensor '" + t.info.name + "' is planned with " +
                                                                         std::to_string(t.info.n_bytes) + " bytes, its type and shape need " +
                                                                         std::to_string(*size));
        }
        if (t.info.name.empty() || t.info.name.size() > kMaxTensorNameBytes) {
            return fail(ErrorCode::invalid_argument, options.output, "tensor name '" + t.info.name + "' must be 1 to 63 bytes");
        }
    }
    // A file mixing types only llama.cpp reads with types only ik_llama.cpp
    // reads loads nowhere (a head merged into a trunk of the other's types).
    std::vector<TensorInfo> infos;
    for (const auto& t : plan.tensors) infos.push_back(t.info);
    if (auto runtimes = file_runtimes(infos, options.output); !runtimes) return std::unexpected(runtimes.error());
    std::vector<std::string_view> names;
    for (const auto& t : plan.tensors) names.push_back(t.info.name);
    std::sort(names.begin(), names.end());
    if (auto dup = std::adjacent_find(names.begin(), names.end()); dup != names.end()) {
        return fail(ErrorCode::invalid_argument, options.output, "tensor '" + std::string(*dup) + "' is planned twice");
    }
    // The header reader refuses a repeated key, so a plan that holds one
    // (Metadata::append of a key already there) must not become a file.
    std::vector<std::string_view> keys;
    for (const auto& kv : plan.metadata.entries()) keys.push_back(kv.key);
    std::sort(keys.begin(), keys.end());
    if (auto dup = std::adjacent_find(keys.begin(), keys.end()); dup != keys.end()) {
        return fail(ErrorCode::invalid_argument, options.output, "key '" + std::string(*dup) + "' is planned twice");
    }
    if (writes_split(options) && ends_with(options.output, ".zst")) {
        return fail(ErrorCode::invalid_argument, options.output, "split output cannot be zstd-compressed; compress the shards afterwards");
    }
    if (!options.fixed_shards.empty() && options.fixed_shards.size() != plan.tensors.size()) {
        return fail(ErrorCode::invalid_argument, options.output, "the shard assignment does not cover every planned tensor");
    }
    if (writes_split(options) && plan.tensors.size() > uint64_t(INT32_MAX)) {
        return fail(ErrorCode::invalid_argument, options.output, "too many tensors for split.tensors.count");
    }
    return {};
}

}  // namespace

Result<std::vector<ShardLayout>> layout_plan(const Plan& plan, const WriteOptions& options) {
    auto ok = validate_plan(plan, options);
    if (!ok) return std::unexpected(ok.error());
    const bool split = writes_split(options);
    const auto assignment = split ? assign_shards(plan, options) : std::vector<std::vector<size_t>>{{}};
    std::vector<ShardLayout> layout;
    if (!split) {
        ShardLayout s{options.output, {}, 0};
        for (size_t i = 0; i < plan.tensors.size(); ++i) s.tensors.push_back(i);
        layout.push_back(std::move(s));
    } else {
        if (assignment.size() > 99999) return fail(ErrorCode::invalid_argument, options.output, "more than 99999 shards");
        const std::string prefix = output_prefix(options.output);
        for (uint32_t i = 0; i < assignment.size(); ++i) {
            layout.push_back({split_path(prefix, i, static_cast<uint32_t>(assignment.size())), assignment[i], 0});
        }
    }
    for (uint32_t i = 0; i < layout.size(); ++i) {
        const ShardHeader h = build_shard_header(plan, layout[i].tensors, split, i, static_cast<uint32_t>(layout.size()));
        layout[i].file_bytes = h.size();
        for (const auto& t : h.tensors) layout[i].file_bytes += align_up(t.n_bytes, h.alignment);
    }
    return layout;
}

Status check_output_path(const std::string& path, const WriteOptions& options) {
    if (auto id = identity_of(path)) {
        if (std::find(options.inputs.begin(), options.inputs.end(), *id) != options.inputs.end()) {
            return fail(ErrorCode::invalid_argument, path, "refusing to write over an input file");
        }
        if (!options.overwrite) return fail(ErrorCode::invalid_argument, path, "output exists", Remedy::replace_output);
    }
    return {};
}

Result<WriteReport> write_plan(const Plan& plan, const WriteOptions& options) {
    auto layout = layout_plan(plan, options);
    if (!layout) return std::unexpected(layout.error());
    if (!options.transformer) {
        for (const auto& t : plan.tensors) {
            if (const auto* transform = std::get_if<TransformSource>(&t.source)) {
                return fail(ErrorCode::invalid_argument, options.output,
                            "tensor '" + t.info.name + "' is planned as a conversion to " +
                                std::string(type_display_name(transform->target)) + " and no transformer was given to run it");
            }
        }
    }

    for (const auto& shard : *layout) {
        if (auto ok = check_output_path(shard.path, options); !ok) return std::unexpected(ok.error());
    }

    Progress progress;
    progress.tensors_total = plan.tensors.size();
    progress.bytes_total = plan.tensor_bytes();
    auto report_progress = [&] {
        if (options.on_progress) options.on_progress(progress);
    };

    std::vector<std::unique_ptr<AtomicOutput>> outputs;
    WriteReport report;
    std::vector<uint8_t> fill_buffer;
    for (uint32_t s = 0; s < layout->size(); ++s) {
        const ShardLayout& shard = (*layout)[s];
        const ShardHeader h = build_shard_header(plan, shard.tensors, writes_split(options), s,
                                                 static_cast<uint32_t>(layout->size()));
        std::vector<const CopySource*> copies;
        for (size_t i : shard.tensors) copies.push_back(std::get_if<CopySource>(&plan.tensors[i].source));
        detail::RunReader runs(std::move(copies));
        auto out = AtomicOutput::create(shard.path);
        if (!out) return std::unexpected(out.error());
        auto ok = h.write(**out);
        if (!ok) return std::unexpected(ok.error());
        for (size_t k = 0; k < shard.tensors.size(); ++k) {
            const PlannedTensor& t = plan.tensors[shard.tensors[k]];
            const uint64_t n = t.info.n_bytes;
            const auto* copy = std::get_if<CopySource>(&t.source);
            if (copy && copy->file->fd() >= 0) {
                const detail::CopyRun run = detail::find_copy_run(plan, shard.tensors, k, h.alignment);
                ok = copy_run(plan, shard, k, run, h.alignment, **out, progress, report_progress);
                if (!ok) return std::unexpected(ok.error());
                k = run.end - 1;
                continue;
            }
            if (copy) {  // a stream or a URL: through memory, a run of tensors at a time
                for (uint64_t done = 0; done < n && ok;) {
                    const uint64_t chunk = std::min(detail::kRunBytes, n - done);
                    auto bytes = runs.read(k, done, chunk);
                    ok = bytes ? (*out)->write(*bytes) : Status(std::unexpected(bytes.error()));
                    done += chunk;
                    progress.bytes_done += chunk;
                    if (done < n) report_progress();
                }
            } else if (const auto* fill = std::get_if<FillSource>(&t.source)) {
                fill_buffer.assign(n, 0);
                ok = (*fill)(fill_buffer);
                if (ok) ok = (*out)->write(fill_buffer);
                progress.bytes_done += n;
            } else {
                uint64_t produced = 0;
                const ByteSink sink = [&](std::span<const uint8_t> piece) -> Status {
                    if (produced + piece.size() > n) {
                        return fail(ErrorCode::invalid_argument, shard.path, "produced more than its " + std::to_string(n) + " bytes");
                    }
                    produced += piece.size();
                    progress.bytes_done += piece.size();
                    report_progress();
                    return (*out)->write(piece);
                };
                if (const auto* transform = std::get_if<TransformSource>(&t.source)) {
                    ok = options.transformer->transform(*transform, sink);
                } else {
                    ok = std::get<StreamSource>(t.source)(sink);
                }
                if (ok && produced != n) {
                    ok = fail(ErrorCode::invalid_argument, shard.path, "produced " + std::to_string(produced) + " of its " + std::to_string(n) + " bytes");
                }
            }
            if (!ok) {
                return std::unexpected(naming_tensor(ok.error(), t.info.name, shard.path));
            }
            if (ok) ok = (*out)->write_zeros(align_up(n, h.alignment) - n);
            if (!ok) return std::unexpected(ok.error());
            ++progress.tensors_done;
            report_progress();
        }
        ok = (*out)->finish();
        if (!ok) return std::unexpected(ok.error());
        report.bytes_written += (*out)->bytes_written();
        outputs.push_back(std::move(*out));
    }
    if (options.transformer) {
        if (auto finished = options.transformer->finish(); !finished) return std::unexpected(finished.error());
    }
    if (options.companion.contents) {
        if (auto text = options.companion.contents()) {
            auto out = AtomicOutput::create(outputs.front()->final_path() + options.companion.suffix);
            if (!out) return std::unexpected(out.error());
            auto ok = (*out)->write({reinterpret_cast<const uint8_t*>(text->data()), text->size()});
            if (ok) ok = (*out)->finish();
            if (!ok) return std::unexpected(ok.error());
            outputs.push_back(std::move(*out));
        }
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
        auto ok = outputs[i]->commit();
        if (!ok) {
            for (size_t done = 0; done < i; ++done) outputs[done]->withdraw();
            return std::unexpected(ok.error());
        }
    }
    report.files = std::move(*layout);
    report.tensors_written = plan.tensors.size();
    return report;
}

}  // namespace gguf
