#include "cli_runner.h"

#include <sys/wait.h>

#include <cstdio>

#include "test_support.h"

namespace gguf_test {

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

CliRun gguf_mtp(const std::vector<std::string>& args) {
    TempDir scratch;
    std::string cmd = shell_quote(GGUF_MTP_BIN);
    for (const auto& a : args) cmd += " " + shell_quote(a);
    cmd += " 2>" + shell_quote(scratch.file("stderr"));
    CliRun run;
    FILE* pipe = ::popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) run.out.append(buf, n);
    const int status = ::pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    const auto err = gguf_test::read_file(scratch.file("stderr"));
    run.err.assign(err.begin(), err.end());
    return run;
}

}  // namespace gguf_test
