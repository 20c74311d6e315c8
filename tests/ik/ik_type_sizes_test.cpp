// gguf-mtp's byte sizes for ik_llama.cpp's types against ik's own
// ggml_row_size / ggml_nbytes, recorded from ik's build for every type it
// knows and several shapes (testdata/ik/type_sizes.json, README there).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "gguf/format/tensor_info.h"
#include "gguf/format/tensor_type.h"

namespace {

nlohmann::json load_facts() {
    std::ifstream in(std::string(GGUF_MTP_SOURCE_DIR) + "/testdata/ik/type_sizes.json");
    return nlohmann::json::parse(in);
}

TEST(IkTypeSizes, RowAndTensorBytesEqualIksForEveryTypeAndShape) {
    const auto facts = load_facts();
    ASSERT_FALSE(facts["types"].empty());
    for (const auto& entry : facts["types"]) {
        const uint32_t id = entry["id"];
        const auto type = gguf::type_from_file_id(id, gguf::Dialect::ik_llama);
        ASSERT_TRUE(type.has_value()) << "ik id " << id << " (" << entry["name"] << ")";
        const auto traits = gguf::type_traits(static_cast<uint32_t>(*type));
        ASSERT_TRUE(traits.has_value());
        // Ids both projects read keep mainline's spelling (ik calls 41 q1_0_g128).
        if (traits->runtimes == gguf::TypeRuntimes::ik_only) {
            EXPECT_EQ(traits->name, entry["name"].get<std::string>()) << id;
        }
        EXPECT_EQ(traits->interleaved_rows, entry["packed_rows"].get<uint32_t>()) << gguf::type_label(*type);
        for (const auto& shape : entry["shapes"]) {
            const uint64_t ne0 = shape[0], ne1 = shape[1], ne2 = shape[2], ik_row = shape[3], ik_total = shape[4];
            const auto total = gguf::tensor_bytes(*type, {ne0, ne1, ne2, 1});
            ASSERT_TRUE(total.has_value()) << gguf::type_label(*type) << " ne0 " << ne0;
            EXPECT_EQ(*total, ik_total) << gguf::type_label(*type) << " [" << ne0 << ", " << ne1 << ", " << ne2 << "]";
            // ik's row size of I2_S counts a byte per element (its table says
            // 1 and 1); only ggml_nbytes knows the packing.
            if (*type == gguf::TensorType::I2_S) continue;
            EXPECT_EQ(*gguf::row_bytes(*type, ne0), ik_row) << gguf::type_label(*type) << " ne0 " << ne0;
        }
    }
}

TEST(IkTypeSizes, EveryTypeIkReadsHasRecordedSizes) {
    const auto facts = load_facts();
    std::set<uint32_t> recorded;
    for (const auto& entry : facts["types"]) recorded.insert(entry["id"].get<uint32_t>());
    for (gguf::TensorType type : gguf::usable_types()) {
        const uint32_t id = gguf::file_id_of(type);
        if (gguf::type_from_file_id(id, gguf::Dialect::ik_llama) != type) continue;  // not a type ik reads
        EXPECT_TRUE(recorded.contains(id)) << gguf::type_label(type);
    }
}

}  // namespace
