// libFuzzer's entry point for one target, chosen at build time
// (GGUF_FUZZ_TARGET, see fuzz/CMakeLists.txt).
#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)gguf_fuzz::GGUF_FUZZ_TARGET(std::span<const uint8_t>(data, size));
    return 0;
}
