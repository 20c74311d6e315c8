#include "command_words.h"

namespace gguf_mtp {
namespace {

bool any_command(const CLI::App*) { return true; }

// "gguf-mtp imatrix": the group as a user types it.
std::string group_name(const CLI::App& group) {
    std::string name = group.get_name();
    for (const CLI::App* parent = group.get_parent(); parent; parent = parent->get_parent()) name = parent->get_name() + " " + name;
    return name;
}

// " (gguf-mtp imatrix commands: info, convert, merge, coverage)"
std::string command_list(const CLI::App& group) {
    std::string list;
    for (const CLI::App* command : group.get_subcommands(any_command)) list += (list.empty() ? "" : ", ") + command->get_name();
    return " (" + group_name(group) + " commands: " + list + ")";
}

}  // namespace

std::optional<std::string> command_word_error(const CLI::App& app) {
    for (const CLI::App* group = &app; !group->get_subcommands(any_command).empty();) {
        const auto words = group->remaining();
        if (!words.empty()) {
            const std::string& word = words.front();
            if (word.starts_with("-")) return "'" + word + "' is not an option of " + group_name(*group);
            return "'" + word + "' is not a command" + command_list(*group);
        }
        const auto given = group->get_subcommands();
        if (given.empty()) return "a command is required" + command_list(*group);
        group = given.front();
    }
    return std::nullopt;
}

}  // namespace gguf_mtp
