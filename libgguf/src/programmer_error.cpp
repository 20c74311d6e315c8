#include "programmer_error.h"

#include <cstdio>
#include <cstdlib>

namespace gguf::detail {

void programmer_error(const char* condition, const char* what, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: gguf-mtp bug: expected %s (%s)\n", file, line, condition, what);
    std::abort();
}

}  // namespace gguf::detail
