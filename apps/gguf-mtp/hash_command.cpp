#include <cstdio>
#include <iostream>

#include "cli_support.h"
#include "commands.h"
#include "gguf/io/remote.h"
#include "manifest.h"
#include "progress_bar.h"
#include "remote_option.h"

namespace gguf_mtp {
namespace {

struct HashOptions {
    std::vector<std::string> files;
    bool json = false;
    RemoteFlags remote;
};

int run_hash(const HashOptions& o) {
    auto remote = remote_options(o.remote);
    if (!remote) return report_error(remote.error());
    int status = 0;
    nlohmann::json entries = nlohmann::json::array();
    for (size_t i = 0; i < o.files.size(); ++i) {
        const std::string& path = o.files[i];
        ProgressBar bar("hash", "files");
        const bool fetching = gguf::is_remote(path);
        auto hash = gguf::hash_file(path, [&](uint64_t done, uint64_t total) {
            // A URL is hashed as it arrives: what is hashed is what was fetched.
            if (fetching) bar.show_fetch({total, [done] { return done; }});
            bar.update({done, total, i + (done == total ? 1 : 0), o.files.size()});
        }, *remote);
        bar.clear();
        if (!hash) {
            status = report_error(hash.error());
            continue;
        }
        if (o.json) entries.push_back(output_entry(path, *hash));
        else std::printf("%s  %s\n", hash->xxh3_128.c_str(), path.c_str());
    }
    if (o.json) std::cout << entries.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return status;
}

}  // namespace

void add_hash_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<HashOptions>();
    CLI::App* cmd = app.add_subcommand("hash", "Print the XXH3-128 of each file's bytes, as manifests record them\n"
                                               "(the same digits as xxh128sum). Reads files whole, as stored; a URL's bytes\n"
                                               "are hashed as they arrive, fetched once and never stored.");
    cmd->add_option("file", o->files, "files or URLs (http://, https://, hf://ORG/REPO/FILE) to hash")->required();
    cmd->add_flag("--json", o->json, "print a JSON array of manifest output entries: { path, bytes, xxh3_128 }");
    add_remote_options(*cmd, o->remote);
    cmd->callback([o, &exit_code] { exit_code = run_hash(*o); });
}

}  // namespace gguf_mtp
