// batch-model: one model's share of a batch run (scripts/mtp-batch finds the
// models and runs this per model, here or on a cluster): decide which
// outputs to redo, make them with gguf-mtp commands, record them in the
// repo's manifest. Every byte is written by the commands it runs and by the
// manifest's atomic write; runs of one model, or of one repo's manifest,
// take turns through flock, so any number may run at once.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>

#include "batch_inputs.h"
#include "batch_steps.h"
#include "child_command.h"
#include "cli_support.h"
#include "commands.h"
#include "file_lock.h"
#include "gguf/io/remote.h"
#include "gguf/mtp/mtp.h"
#include "gguf/quant/provenance.h"
#include "manifest.h"
#include "output_names.h"
#include "remote_option.h"
#include "termination.h"

namespace gguf_mtp {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kManifestName = "gguf-mtp-manifest.json";
constexpr const char* kManifestLockName = ".gguf-mtp-manifest.lock";

struct BatchModelOptions {
    std::string repo;
    std::string model;
    std::string out;
    std::vector<std::string> quant;
    std::string head_type;
    std::string imatrix;
    bool no_imatrix = false;
    std::string imatrix_missing;
    unsigned threads = 0;
    bool force = false;
    bool dry_run = false;
};

// Where one model's run reads and writes. Outputs mirror the model's folder
// in the repo: beside the model, or under --out/REPO/ (always, for a URL).
struct ModelPlaces {
    fs::path repo;
    fs::path model;          // a local model's real path; empty for a URL
    std::string input;       // what the commands open: the real path, or the URL
    fs::path repo_out;       // holds the manifest
    fs::path output_folder;
    std::string source;      // the model, relative to repo_out
    std::string output_subfolder;  // relative to repo_out
    std::string tag;         // REPO/MODEL, naming the model in messages

    fs::path manifest() const { return repo_out / kManifestName; }
};

// The real path, symbolic links resolved as far as it exists, as
// `realpath -m` prints it: relative paths between real paths need no
// file system to compute.
gguf::Result<fs::path> real_path(const std::string& path) {
    std::error_code error;
    fs::path real = fs::weakly_canonical(fs::absolute(path, error), error);
    if (error) return gguf::fail(gguf::ErrorCode::io, path, "cannot resolve the path: " + error.message());
    return real;
}

// A URL's places: REPO is the URL of a folder holding MODEL (hf://ORG/REPO,
// or a folder of a server), and MODEL's path below it is mirrored under
// --out/NAME/, NAME being REPO's last part.
gguf::Result<ModelPlaces> remote_places_of(const BatchModelOptions& o) {
    std::string repo = o.repo;
    while (repo.ends_with('/')) repo.pop_back();
    if (!o.model.starts_with(repo + "/") || repo.find('/') == std::string::npos) {
        return gguf::fail(gguf::ErrorCode::invalid_argument, o.model, "is not under the repo URL '" + o.repo + "'");
    }
    ModelPlaces p;
    const fs::path below = fs::path(o.model.substr(repo.size() + 1)).lexically_normal();
    if (below.empty() || *below.begin() == "..") {
        return gguf::fail(gguf::ErrorCode::invalid_argument, o.model, "is not under the repo URL '" + o.repo + "'");
    }
    auto out = real_path(o.out);
    if (!out) return std::unexpected(out.error());
    const std::string name = repo.substr(repo.rfind('/') + 1);
    p.repo_out = *out / name;
    p.output_subfolder = below.has_parent_path() ? below.parent_path().string() : ".";
    p.output_folder = (p.repo_out / p.output_subfolder).lexically_normal();
    p.input = p.source = o.model;
    p.tag = name + "/" + below.string();
    return p;
}

gguf::Result<ModelPlaces> places_of(const BatchModelOptions& o) {
    if (gguf::is_remote(o.model)) return remote_places_of(o);
    ModelPlaces p;
    for (auto [given, real] : {std::pair{&o.repo, &p.repo}, {&o.model, &p.model}, {&o.out, &p.repo_out}}) {
        if (given->empty()) continue;
        auto resolved = real_path(*given);
        if (!resolved) return std::unexpected(resolved.error());
        *real = std::move(*resolved);
    }
    p.repo_out = o.out.empty() ? p.repo : p.repo_out / p.repo.filename();
    const fs::path subfolder = p.model.parent_path().lexically_relative(p.repo).lexically_normal();
    p.output_folder = subfolder == "." ? p.repo_out : (p.repo_out / subfolder).lexically_normal();
    p.output_subfolder = subfolder.string();
    p.source = relative_path(p.model, p.repo_out);
    p.input = p.model.string();
    p.tag = (p.repo.filename() / p.model.lexically_relative(p.repo)).string();
    return p;
}

void say(const ModelPlaces& places, const std::string& text) {
    std::printf("%s: %s\n", places.tag.c_str(), text.c_str());
    // Lines of runs side by side share one log: each goes out whole, at once.
    std::fflush(stdout);
}

// A word as a shell reads it: quoted only where it has to be, so that
// the usual command line reads as typed and can be pasted.
std::string shell_word(const std::string& word) {
    const bool plain = !word.empty() && word.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                               "0123456789_-./=:,+@%") == std::string::npos;
    if (plain) return word;
    std::string quoted = "'";
    for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

std::string shell_line(const std::string& binary, const std::vector<std::string>& args) {
    std::string line = shell_word(binary);
    for (const auto& arg : args) line += " " + shell_word(arg);
    return line;
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// The repo's manifest as it is now, null when there is none. Anything but a
// regular file under its name counts as none, as for a shell's `test -f`:
// the write at the end then fails, and says why.
gguf::Result<json> current_manifest(const ModelPlaces& places) {
    std::error_code error;
    if (!fs::is_regular_file(places.manifest(), error)) return json();
    auto manifest = read_manifest(places.manifest().string());
    if (!manifest) return std::unexpected(manifest.error());
    return std::move(manifest->document);
}

gguf::Result<std::optional<fs::path>> chosen_imatrix(const BatchModelOptions& o, const ModelPlaces& places) {
    if (o.no_imatrix) return std::nullopt;
    if (o.imatrix.empty()) {
        // A server's folder cannot be listed: a URL's imatrix is named.
        if (places.model.empty()) return std::nullopt;
        return imatrix_beside(places.model.parent_path());
    }
    std::error_code error;
    if (!fs::is_regular_file(o.imatrix, error)) return gguf::fail(gguf::ErrorCode::not_found, o.imatrix, "no such imatrix file");
    return real_path(o.imatrix);
}

struct StepsRun {
    json outputs = json::array();  // manifest entries, commands inline, in step order
    std::vector<fs::path> made;    // outputs that did not exist before this run
    int exit_code = 0;             // of the step that failed; 0 when none did
};

json made_entry(const BatchStep& step, const ModelPlaces& places, const gguf::FileHash& hash, const std::vector<std::string>& argv,
                double seconds) {
    json entry = output_entry(step.output, hash);
    entry["role"] = step.role;
    entry["source"] = places.source;
    if (!step.quantization.empty()) entry["quantization"] = step.quantization;
    entry["command"] = {{"argv", argv}, {"exit_status", 0}, {"seconds", std::round(seconds * 1000) / 1000}};
    return entry;
}

// The manifest's entries (commands inline) of the outputs made from
// `source`, by path; the first where a path is listed twice.
std::map<std::string, json> listed_outputs_of(const json& manifest, const std::string& source) {
    std::map<std::string, json> listed;
    for (const json& e : outputs_with_commands(manifest)) {
        if (e.value("source", json()) == source) listed.emplace(e["path"].get<std::string>(), e);
    }
    return listed;
}

// Removes what a command that a signal ended left of `output`: its
// temporaries, OUTPUT.XXXXXX.partial (gguf-mtp(1)), which only a command
// that ends normally removes itself. Under the model's lock no other run
// writes them.
// Its provenance record (quantize's companion file) is written the same way.
void remove_temporaries_of(const fs::path& output) {
    const std::string_view suffix = ".partial";
    const std::string prefixes[] = {output.filename().string() + ".", gguf::provenance_path(output.filename().string()) + "."};
    std::error_code error;
    for (fs::directory_iterator it(output.parent_path(), error), end; !error && it != end; it.increment(error)) {
        const std::string name = it->path().filename().string();
        for (const std::string& prefix : prefixes) {
            if (name.size() == prefix.size() + 6 + suffix.size() && name.starts_with(prefix) && name.ends_with(suffix)) {
                std::error_code ignored;
                fs::remove(it->path(), ignored);
            }
        }
    }
}

// Runs or skips each step in turn, stopping at the first that fails, or
// when a termination request arrives (termination.h). Runs
// under the model's lock (but with --dry-run), so the files and the manifest
// it reads stay as they are but for its own doing.
gguf::Result<StepsRun> run_steps(const std::vector<BatchStep>& steps, const ModelPlaces& places, const json& inputs,
                                 const std::string& binary, const BatchModelOptions& o) {
    auto manifest = current_manifest(places);
    if (!manifest) return std::unexpected(manifest.error());
    const auto listed = listed_outputs_of(*manifest, places.source);
    const json record = model_record(*manifest, places.source);
    const bool inputs_unchanged = same_inputs(record.is_object() ? record.value("inputs", json()) : json(), inputs);

    StepsRun run;
    for (const auto& step : steps) {
        if (termination_signal() != 0) break;
        const fs::path file = places.repo_out / step.output;
        std::error_code ignored;
        const bool exists = fs::exists(file, ignored);
        std::optional<gguf::FileHash> found;
        if (exists) {
            if (auto hash = gguf::hash_file(file.string())) found = *hash;
        }
        const auto it = listed.find(step.output);
        const json entry = it == listed.end() ? json() : it->second;
        if (auto kept = reusable_entry(step, entry, found, inputs_unchanged)) {
            say(places, step.output + " verified, skipped");
            run.outputs.push_back(*kept);
            continue;
        }
        std::vector<std::string> args = step.args;
        if (exists) {
            if (entry.is_null() && !o.force) {
                run.exit_code = report_error({gguf::ErrorCode::invalid_argument, file.string(), std::nullopt,
                                              "exists and no manifest lists it", gguf::Remedy::replace_output});
                break;
            }
            args.insert(args.begin() + 1, "--force");
            // A quantize remade after a change copies what it can from the
            // output it replaces (quantize --reuse proves each copy).
            if (args.front() == "quantize") args.insert(args.begin() + 2, {"--reuse", step.output});
        }
        if (o.dry_run) {
            say(places, "would run (in " + places.repo_out.string() + "): " + shell_line(binary, args));
            continue;
        }
        if (termination_signal() != 0) break;
        say(places, step.output);
        auto outcome = run_command(binary, args, places.repo_out.string());
        if (!outcome) {
            run.exit_code = report_error(outcome.error());
            break;
        }
        if (outcome->exit_status != 0) {
            remove_temporaries_of(file);
            // The command ended along with this run (Slurm signals every
            // process of a job): the run's end says so; no step failed.
            if (termination_signal() != 0) break;
            std::fputs(outcome->error_text.c_str(), stderr);
            std::fprintf(stderr, "gguf-mtp: error: %s: not made: gguf-mtp %s exited with status %d (its messages above)\n",
                         file.c_str(), args.front().c_str(), outcome->exit_status);
            run.exit_code = outcome->exit_status == kExitUsage ? kExitUsage : kExitError;
            break;
        }
        if (!exists) run.made.push_back(file);
        if (termination_signal() != 0) break;
        auto hash = gguf::hash_file(file.string());
        if (!hash) {
            run.exit_code = report_error(hash.error());
            break;
        }
        std::vector<std::string> argv{binary};
        argv.insert(argv.end(), args.begin(), args.end());
        run.outputs.push_back(made_entry(step, places, *hash, argv, outcome->seconds));
    }
    return run;
}

// Merges the model's record into the repo's manifest, under the repo's
// lock: other models' runs may finish meanwhile, and each must see the
// others' records.
gguf::Status record_model(const ModelPlaces& places, const json& model, const json& outputs) {
    std::error_code error;
    fs::create_directories(places.repo_out, error);
    if (error) return gguf::fail(gguf::ErrorCode::io, places.repo_out.string(), "cannot create the folder: " + error.message());
    auto lock = FileLock::acquire((places.repo_out / kManifestLockName).string());
    if (!lock) return std::unexpected(lock.error());
    auto previous = current_manifest(places);
    if (!previous) return std::unexpected(previous.error());
    const json updated = record_model_run(*previous, model, outputs, version_text(), utc_now());
    if (!changes_manifest(*previous, updated)) return {};
    return write_manifest(places.manifest().string(), updated);
}

// Removes outputs that no manifest lists: the next run would refuse to
// replace them without --force, so the run takes them back, as if it never
// was.
void take_back(const std::vector<fs::path>& made) {
    for (const auto& file : made) {
        std::error_code ignored;
        fs::remove(file, ignored);
        fs::remove(gguf::provenance_path(file.string()), ignored);
    }
}

// The end of a run that a termination request stopped, after it took back
// what it made: the exit status a shell gives a process that the signal
// ended, so that a job engine sees the run as cancelled, not failed.
int stopped_by_signal(const ModelPlaces& places, size_t taken_back) {
    std::fprintf(stderr, "gguf-mtp: %s: stopped by %s", places.tag.c_str(), termination_signal_name().c_str());
    if (taken_back > 0) std::fprintf(stderr, "; removed the %zu output(s) it made, which no manifest lists", taken_back);
    std::fputc('\n', stderr);
    return 128 + termination_signal();
}

int run_batch_model(const BatchModelOptions& o) {
    // A dry run writes nothing, so has nothing to take back.
    std::optional<TerminationCatcher> catcher;
    if (!o.dry_run) catcher.emplace();
    if (gguf::is_remote(o.model) && o.out.empty()) {
        std::fprintf(stderr, "gguf-mtp: error: batch-model of a URL needs --out DIR: its outputs cannot go beside it\n");
        return kExitUsage;
    }
    auto found = places_of(o);
    if (!found) return report_error(found.error());
    const ModelPlaces& places = *found;
    std::error_code error;
    if (!places.model.empty() && !fs::is_regular_file(places.model, error)) {
        return report_error({gguf::ErrorCode::not_found, o.model, std::nullopt, "no such model"});
    }
    auto imatrix = chosen_imatrix(o, places);
    if (!imatrix) return report_error(imatrix.error());

    // This batch's own outputs are not models, even when damaged.
    auto manifest = current_manifest(places);
    if (!manifest) return report_error(manifest.error());
    if (lists_output(*manifest, places.source)) return 0;

    auto remote = remote_options({});
    if (!remote) return report_error(remote.error());
    auto model = gguf::Model::open(places.input, gguf::OpenFor::header, gguf::ReadOptions{*remote, std::nullopt});
    if (!model) return report_error(model.error());
    auto mtp = gguf::summarize_mtp(*model);
    if (!mtp) return report_error(mtp.error());
    // Only bundled models are recorded: the others include this batch's own
    // outputs, which a concurrent or later run must not add to the manifest.
    if (mtp->layout != gguf::MtpLayout::bundled) {
        say(places, "layout " + std::string(gguf::mtp_layout_name(mtp->layout)) + ", nothing to do");
        return 0;
    }
    auto inputs = input_entries(*model, *imatrix, places.repo_out);
    if (!inputs) return report_error(inputs.error());
    auto binary = self_path();
    if (!binary) return report_error(binary.error());
    const StepOptions step_options{o.quant, o.head_type, *imatrix ? relative_path(**imatrix, places.repo_out) : "",
                                   o.imatrix_missing, o.threads};
    const auto steps = batch_steps(places.source, places.output_subfolder, step_options);

    std::optional<FileLock> model_lock;
    if (!o.dry_run) {
        fs::create_directories(places.output_folder, error);
        if (error) {
            return report_error({gguf::ErrorCode::io, places.output_folder.string(), std::nullopt,
                                 "cannot create the folder: " + error.message()});
        }
        auto lock = FileLock::acquire((places.output_folder / ("." + model_stem(places.input) + ".mtp-batch.lock")).string());
        if (!lock) return termination_signal() != 0 ? stopped_by_signal(places, 0) : report_error(lock.error());
        model_lock.emplace(std::move(*lock));
    }
    auto run = run_steps(steps, places, *inputs, *binary, o);
    if (!run) return report_error(run.error());
    if (o.dry_run) return run->exit_code;

    // Stopped, the run records nothing: a record needs the manifest's lock,
    // which may not come before the signal that ends every wait (Slurm's
    // SIGKILL, KillWait after its SIGTERM). Once recorded, its outputs stay,
    // whatever signal comes.
    if (termination_signal() != 0) {
        take_back(run->made);
        return stopped_by_signal(places, run->made.size());
    }
    const json record = {{"source", places.source}, {"layout", "bundled"}, {"status", run->exit_code == 0 ? "done" : "failed"},
                         {"inputs", *inputs}};
    if (auto recorded = record_model(places, record, run->outputs); !recorded) {
        take_back(run->made);
        return termination_signal() != 0 ? stopped_by_signal(places, run->made.size()) : report_error(recorded.error());
    }
    return run->exit_code;
}

}  // namespace

void add_batch_model_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<BatchModelOptions>();
    CLI::App* cmd = app.add_subcommand(
        "batch-model",
        "One model's share of a batch (scripts/mtp-batch runs it per model). For a bundled model, write its\n"
        "head (mtp-STEM.gguf), its trunk (STEM-no-mtp.gguf) and their quantizations, each by a gguf-mtp command,\n"
        "skipping what REPO's gguf-mtp-manifest.json shows is made already, and record them there.\n"
        "Other models are left alone.");
    cmd->add_option("repo", o->repo, "the model repo, whose folder holds the manifest")->required();
    cmd->add_option("model", o->model, "a model in the repo (a split set by its first shard)")->required();
    cmd->add_option("--out", o->out, "write the outputs and the manifest under DIR/REPO/, mirroring the repo's folders")
        ->type_name("DIR");
    cmd->add_option("--quant", o->quant, "quantize the trunk to each llama-quantize preset (repeatable, or P,P,...)")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->type_name("P");
    cmd->add_option("--head-type", o->head_type, "quantize the head to this preset")->type_name("TYPE");
    CLI::Option* imatrix = cmd->add_option(
        "--imatrix", o->imatrix,
        "importance matrix for every quantization (default: the one *.imatrix, imatrix*.gguf or *.dat beside the model)");
    imatrix->type_name("FILE");
    imatrix->excludes(cmd->add_flag("--no-imatrix", o->no_imatrix, "quantize without importance matrix"));
    cmd->add_option("--imatrix-missing", o->imatrix_missing, "passed to gguf-mtp quantize: error, fallback:TYPE or uniform")
        ->type_name("POLICY");
    cmd->add_option("--threads", o->threads, "threads of each gguf-mtp quantize")->check(CLI::Range(1, INT32_MAX));
    cmd->add_flag("--force", o->force, "also replace existing outputs the manifest does not list");
    cmd->add_flag("--dry-run", o->dry_run, "print what would run or be skipped; write nothing");
    cmd->callback([o, &exit_code] { exit_code = run_batch_model(*o); });
}

}  // namespace gguf_mtp
