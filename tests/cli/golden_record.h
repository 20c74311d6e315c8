// The text a golden file holds for one run of a case: the command line, its
// exit status, stdout and stderr (scrubbed), and, for a case that uses {dir},
// the names {dir} holds afterwards, which shows what the run wrote or that
// it wrote nothing.
#pragma once

#include <string>
#include <vector>

#include "cli_runner.h"
#include "golden_case.h"

namespace gguf_test {

std::string golden_record(const GoldenCase& golden_case, const CliRun& run, const std::vector<std::string>& dir_listing,
                          const GoldenPlaces& places);

}  // namespace gguf_test
