// A unified diff of two texts, line by line, for test failure messages: a
// changed line of a long output is found at a glance.
#pragma once

#include <string>

namespace gguf_test {

// "" when the texts are equal; else hunks of "-expected" and "+actual" lines
// with `context` unchanged lines around them, each after an "@@ -a,n +b,m @@"
// line as diff -u writes it.
std::string unified_diff(const std::string& expected, const std::string& actual, size_t context = 3);

}  // namespace gguf_test
