// The Vulkan device every test of this folder shares (opened once per run),
// and the macro that skips a test where there is none.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "quant/vulkan/gpu_quantizer.h"

namespace vulkan_test {

// The device; nullptr, with the reason in *why, when there is none.
gguf::quant::vk::GpuQuantizer* device(std::string* why);

}  // namespace vulkan_test

#define REQUIRE_DEVICE(gpu)                                                     \
    std::string why;                                                            \
    gguf::quant::vk::GpuQuantizer* gpu = vulkan_test::device(&why);             \
    if (!gpu) GTEST_SKIP() << "no Vulkan device: " << why
