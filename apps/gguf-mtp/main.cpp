#include <cstdio>

#include "cli_support.h"
#include "command_words.h"
#include "commands.h"
#include "help_formatter.h"

int main(int argc, char** argv) {
    // Named here rather than from argv[0], so that usage reads "gguf-mtp info ..."
    // as the man pages and the error hint do, wherever the binary was run from.
    CLI::App app{"gguf-mtp: split Multi-Token-Prediction heads out of GGUF models, strip them, merge them back,\n"
                 "quantize bit for bit as llama-quantize does, split and join GGUF sets.\n"
                 "Outputs appear only when complete; inputs are never modified.",
                 "gguf-mtp"};
    app.set_version_flag("--version", gguf_mtp::version_text());
    app.formatter(std::make_shared<gguf_mtp::HelpFormatter>());  // before the commands, which take it from here
    app.require_subcommand(1);
    app.fallthrough(false);

    int exit_code = 0;
    gguf_mtp::add_info_command(app, exit_code);
    gguf_mtp::add_surgery_commands(app, exit_code);
    gguf_mtp::add_quantize_command(app, exit_code);
    gguf_mtp::add_imatrix_command(app, exit_code);
    gguf_mtp::add_split_command(app, exit_code);
    gguf_mtp::add_join_command(app, exit_code);
    gguf_mtp::add_verify_command(app, exit_code);
    gguf_mtp::add_hash_command(app, exit_code);
    gguf_mtp::add_compare_command(app, exit_code);
    gguf_mtp::add_batch_model_command(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        const std::string message = gguf_mtp::command_word_error(app).value_or(e.what());
        std::fprintf(stderr, "gguf-mtp: error: %s\nRun 'gguf-mtp --help' or 'gguf-mtp COMMAND --help' for usage.\n", message.c_str());
        return 2;
    }
    return exit_code;
}
