// Default output names: beside the input, named as users and llama.cpp's
// sidecar search expect (an "mtp-" prefix for heads, like "mmproj-"). A
// remote input's outputs go to the current directory.
#pragma once

#include <string>

namespace gguf_mtp {

// The input's file name without directory, split suffix or ".gguf[.zst]".
std::string model_stem(const std::string& path);
std::string directory_of(const std::string& path);

std::string default_head_name(const std::string& input);   // DIR/mtp-STEM.gguf
std::string default_trunk_name(const std::string& input);  // DIR/STEM-no-mtp.gguf
std::string default_merged_name(const std::string& trunk); // DIR/STEM-with-mtp.gguf
// A trunk or head quantized to `type`, as batch runs name them.
std::string quantized_name(const std::string& output, const std::string& type);  // DIR/STEM-TYPE.gguf

}  // namespace gguf_mtp
