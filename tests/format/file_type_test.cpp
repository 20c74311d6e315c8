// general.file_type names: the two projects' llama_ftype values where they
// agree, part ways (41) or only one assigns them, and numbers nobody named.
#include <gtest/gtest.h>

#include "gguf/format/file_type.h"

using gguf::Dialect;
using gguf::file_type_label;

namespace {

TEST(FileTypeLabel, SharedPresetsReadTheSameInBothDialects) {
    for (Dialect d : {Dialect::mainline, Dialect::ik_llama}) {
        EXPECT_EQ(file_type_label(0, d), "F32");
        EXPECT_EQ(file_type_label(15, d), "Q4_K_M");
        EXPECT_EQ(file_type_label(32, d), "BF16");
        EXPECT_EQ(file_type_label(1024, d), "GUESSED");
    }
}

TEST(FileTypeLabel, ClashingAndOneSidedValuesFollowTheDialect) {
    EXPECT_EQ(file_type_label(41, Dialect::mainline), "Q2_0");
    EXPECT_EQ(file_type_label(41, Dialect::ik_llama), "Q1_0_G128 (ik_llama.cpp file type 41)");
    EXPECT_EQ(file_type_label(145, Dialect::ik_llama), "IQ4_KS (ik_llama.cpp file type 145)");
    EXPECT_EQ(file_type_label(399, Dialect::ik_llama), "Q8_K_R8 (ik_llama.cpp file type 399)");
    EXPECT_EQ(file_type_label(33, Dialect::ik_llama), "Q4_0_4_4 (ik_llama.cpp file type 33)");
    EXPECT_EQ(file_type_label(36, Dialect::mainline), "TQ1_0");
    // Values the dialect never assigned print as numbers.
    EXPECT_EQ(file_type_label(36, Dialect::ik_llama), "36");
    EXPECT_EQ(file_type_label(145, Dialect::mainline), "145");
    EXPECT_EQ(file_type_label(4, Dialect::mainline), "4");  // the removed Q4_1_SOME_F16
    EXPECT_EQ(file_type_label(77777, Dialect::ik_llama), "77777");
}

}  // namespace
