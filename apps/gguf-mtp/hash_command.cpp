#include <cstdio>
#include <iostream>

#include "cli_support.h"
#include "commands.h"
#include "manifest.h"

namespace gguf_mtp {
namespace {

struct HashOptions {
    std::vector<std::string> files;
    bool json = false;
};

int run_hash(const HashOptions& o) {
    int status = 0;
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& path : o.files) {
        auto hash = gguf::hash_file(path);
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
                                               "(the same digits as xxh128sum). Reads files whole, as stored.");
    cmd->add_option("file", o->files, "files to hash")->required();
    cmd->add_flag("--json", o->json, "print a JSON array of manifest output entries: { path, bytes, xxh3_128 }");
    cmd->callback([o, &exit_code] { exit_code = run_hash(*o); });
}

}  // namespace gguf_mtp
