// What makes gguf-mtp's output differ from one machine or run to the next,
// replaced by stable tokens so that golden files can pin the rest.
#pragma once

#include <string>

#include "golden_case.h"

namespace gguf_test {

std::string scrub(std::string text, const GoldenPlaces& places);

}  // namespace gguf_test
