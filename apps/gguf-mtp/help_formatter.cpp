#include "help_formatter.h"

#include <sstream>

namespace gguf_mtp {
namespace {

bool shows_its_form(const CLI::Option* opt) { return opt->get_positional() && !opt->get_option_text().empty(); }

}  // namespace

std::string HelpFormatter::make_option(const CLI::Option* opt, bool is_positional) const {
    if (!is_positional || !shows_its_form(opt)) return CLI::Formatter::make_option(opt, is_positional);
    std::ostringstream out;
    CLI::detail::format_help(out, opt->get_option_text(), make_option_desc(opt), get_column_width());
    return out.str();
}

std::string HelpFormatter::make_option_usage(const CLI::Option* opt) const {
    return shows_its_form(opt) ? opt->get_option_text() : CLI::Formatter::make_option_usage(opt);
}

}  // namespace gguf_mtp
