// ik_llama.cpp's trellis and interleaved types dequantize to exactly the
// floats ik's own to_float gives: digests recorded from ik's build
// (testdata/ik/README-interleaved-kt.md) for seeded blocks.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "gguf/format/tensor_type.h"
#include "gguf/io/content_hash.h"
#include "gguf/quant/cpu/quantize.h"
#include "seeded_blocks.h"

namespace {

TEST(IkDequantDigests, EveryRecordedTypeGivesIksFloats) {
    std::ifstream in(GGUF_TEST_IK_DIGESTS);
    ASSERT_TRUE(in) << GGUF_TEST_IK_DIGESTS;
    const auto facts = nlohmann::json::parse(in);
    ASSERT_FALSE(facts["entries"].empty());
    for (const auto& e : facts["entries"]) {
        const std::string name = e["type"];
        SCOPED_TRACE(name);
        const auto type = gguf::type_from_name(name);
        ASSERT_TRUE(type);
        const uint64_t n = e["row_length"], rows = e["rows"];
        const auto row = gguf::row_bytes(*type, n);
        ASSERT_TRUE(row);
        auto bytes = gguf_test::seeded_bytes(e["seed"], *row * rows);
        for (size_t offset : e["tamed_f16"]) gguf_test::tame_f16(bytes, offset);
        for (size_t offset : e["tamed_f32"]) gguf_test::tame_f32(bytes, offset);
        std::vector<float> floats(n * rows);
        ASSERT_TRUE(gguf::dequantize_rows(*type, bytes, n, floats));
        const auto* raw = reinterpret_cast<const uint8_t*>(floats.data());
        EXPECT_EQ(gguf::content_hash({raw, floats.size() * sizeof(float)}), e["digest"].get<std::string>());
    }
}

}  // namespace
