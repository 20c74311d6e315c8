// GGUF_MTP_EXPECT(condition, what): a precondition or invariant inside the
// library, broken only by a bug in its caller or in the library itself,
// never by bad input (bad input is always an Error). Checked builds
// (GGUF_MTP_CHECKED: Debug builds and the sanitized tree that the tests and
// fuzzers run) stop at the broken one and name it; other builds compile it
// out, so a release quantize does not pay for it. <cassert> would be
// compiled out of every build here: all of them define NDEBUG.
#pragma once

namespace gguf::detail {

// Reports the broken expectation on stderr and aborts: the one place the
// library prints, because a bug has no caller to return an error to.
[[noreturn]] void programmer_error(const char* condition, const char* what, const char* file, int line);

}  // namespace gguf::detail

#ifdef GGUF_MTP_CHECKED
#define GGUF_MTP_EXPECT(condition, what) \
    ((condition) ? static_cast<void>(0) : ::gguf::detail::programmer_error(#condition, what, __FILE__, __LINE__))
#else
#define GGUF_MTP_EXPECT(condition, what) static_cast<void>(sizeof(static_cast<bool>(condition)))
#endif
