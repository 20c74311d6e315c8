// Converting between the GGUF and .dat formats: the weights llama-quantize
// derives survive every round trip bit for bit, the files have
// llama-imatrix's layout, and the counts keep llama-imatrix's meaning.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>

#include "gguf/imatrix/imatrix.h"
#include "gguf/quant/quantize_plan.h"
#include "gguf/quant/quantize_tensor.h"
#include "gguf_fixtures.h"
#include "imatrix_files.h"
#include "test_support.h"

using gguf_test::TempDir;
using namespace imatrix_test;

namespace {

gguf::Imatrix write_and_read(const gguf::Imatrix& m, const std::string& path) {
    gguf::WriteOptions w;
    w.output = path;
    w.overwrite = true;
    auto ok = gguf::write_imatrix(m, w);
    EXPECT_TRUE(ok) << ok.error().to_string();
    auto back = gguf::read_imatrix(path);
    EXPECT_TRUE(back) << back.error().to_string();
    return back ? *back : gguf::Imatrix{};
}

gguf::Imatrix convert(const gguf::Imatrix& m, bool to_dat, int32_t chunk_size) {
    auto out = to_dat ? gguf::to_legacy_imatrix(m, chunk_size) : gguf::to_gguf_imatrix(m, chunk_size);
    EXPECT_TRUE(out) << out.error().to_string();
    return out ? *out : gguf::Imatrix{};
}

TEST(ImatrixConvert, GgufToDatToGgufKeepsEveryWeight) {
    TempDir dir;
    for (uint32_t seed = 1; seed <= 40; ++seed) {
        const gguf::Imatrix original = write_and_read(random_imatrix(seed), dir.file("a.gguf"));
        const int32_t cs = original.chunk_size;
        const gguf::Imatrix dat = write_and_read(convert(original, true, cs), dir.file("b.dat"));
        ASSERT_TRUE(dat.legacy);
        EXPECT_EQ(weight_bits(dat), weight_bits(original)) << "seed " << seed;
        EXPECT_EQ(dat.chunk_count, original.chunk_count);
        EXPECT_EQ(dat.datasets, original.datasets);
        for (const auto& [name, e] : original.entries) {
            // llama-imatrix's call count (chunks, rounded up), or where its
            // mantissa cannot give every weight, the nearest power of two.
            const int64_t upstream = (*std::ranges::max_element(e.counts) + cs - 1) / cs;
            const int64_t ncall = dat.entries.at(name).counts.at(0);
            if (ncall != upstream) {
                EXPECT_TRUE(std::has_single_bit(static_cast<uint64_t>(ncall))) << name << " seed " << seed;
                EXPECT_LE(std::abs(std::log2(double(ncall) / double(upstream))), 0.5) << name << " seed " << seed;
            }
        }
        const gguf::Imatrix back = write_and_read(convert(dat, false, cs), dir.file("c.gguf"));
        EXPECT_EQ(weight_bits(back), weight_bits(original)) << "seed " << seed;
        EXPECT_EQ(back.chunk_size, cs);
        EXPECT_EQ(back.chunk_count, original.chunk_count);
        EXPECT_EQ(back.datasets, original.datasets);
        // An entry without data stays one, so coverage still sees it.
        EXPECT_EQ(back.entries.at("blk.99.nextn.eh_proj.weight").counts, std::vector<int64_t>{0});
    }
}

TEST(ImatrixConvert, DatToGgufToDatKeepsEveryWeight) {
    TempDir dir;
    for (uint32_t seed = 1; seed <= 40; ++seed) {
        std::mt19937 rng(seed);
        std::vector<std::tuple<std::string, int32_t, std::vector<float>>> entries;
        for (int t = 0; t < 10; ++t) {
            const int32_t ncall = t == 0 ? 0 : std::uniform_int_distribution<int32_t>(1, 3000)(rng);
            std::vector<float> values(8 * (1 + t % 3));
            for (auto& v : values) v = std::ldexp(std::uniform_real_distribution<float>(1, 2)(rng), std::uniform_int_distribution<int>(-30, 30)(rng));
            entries.emplace_back("blk." + std::to_string(t) + ".attn_v.weight", ncall, values);
        }
        entries.emplace_back("blk.10.attn_v.weight", 0, std::vector<float>(4, 1.0f));  // what an entry without data becomes
        gguf_test::write_file(dir.file("a.dat"), legacy_bytes(entries, 17, "calibration.txt"));
        auto original = gguf::read_imatrix(dir.file("a.dat"));
        ASSERT_TRUE(original) << original.error().to_string();
        const int32_t cs = seed % 2 ? 512 : 333;
        const gguf::Imatrix gguf_form = write_and_read(convert(*original, false, cs), dir.file("b.gguf"));
        EXPECT_EQ(weight_bits(gguf_form), weight_bits(*original)) << "seed " << seed;
        EXPECT_TRUE(gguf_form.has_metadata);
        EXPECT_EQ(gguf_form.chunk_count, 17);
        EXPECT_EQ(gguf_form.datasets, std::vector<std::string>{"calibration.txt"});
        EXPECT_EQ(gguf_form.entries.at("blk.10.attn_v.weight").counts[0], 0);
        const gguf::Imatrix back = write_and_read(convert(gguf_form, true, cs), dir.file("c.dat"));
        EXPECT_EQ(weight_bits(back), weight_bits(*original)) << "seed " << seed;
        if (cs == 512) {
            // With llama-imatrix's usual power-of-two chunk size the counts
            // survive too: tokens = calls x 512, and back. A call count of 0
            // with values other than 1 has no GGUF count; it comes back as 1.
            for (const auto& [name, ncall, values] : entries) {
                if (ncall > 0) {
                    EXPECT_EQ(gguf_form.entries.at(name).counts[0], ncall * int64_t{cs}) << name;
                }
                EXPECT_EQ(back.entries.at(name).counts[0], name == "blk.0.attn_v.weight" ? 1 : ncall) << name;
            }
        }
        EXPECT_EQ(back.chunk_count, 17);
        EXPECT_EQ(back.datasets, std::vector<std::string>{"calibration.txt"});
    }
}

TEST(ImatrixConvert, WritersLayFilesOutAsLlamaImatrixDoes) {
    TempDir dir;
    gguf_test::write_plan_or_fail(gguf_imatrix_plan({{"blk.0.attn_k.weight", 3, {1, 2, 3}, {4}},
                                                     {"blk.0.ffn_down_exps.weight", 2, {1, 2, 0, 0, 5, 6}, {9, 0, 3}},
                                                     {"output.weight", 1, {7}, {1}}},
                                                    {"a.txt", "b.txt"}, 5, 256),
                                  dir.file("upstream.gguf"));
    auto m = gguf::read_imatrix(dir.file("upstream.gguf"));
    ASSERT_TRUE(m) << m.error().to_string();
    write_and_read(*m, dir.file("ours.gguf"));
    EXPECT_EQ(gguf_test::read_file(dir.file("ours.gguf")), gguf_test::read_file(dir.file("upstream.gguf")));

    gguf_test::write_file(dir.file("upstream.dat"), legacy_bytes({{"a.weight", 3, {1, 2}}, {"b.weight", 1, {4}}}, 9, "set.txt"));
    auto dat = gguf::read_imatrix(dir.file("upstream.dat"));
    ASSERT_TRUE(dat) << dat.error().to_string();
    write_and_read(*dat, dir.file("ours.dat"));
    EXPECT_EQ(gguf_test::read_file(dir.file("ours.dat")), gguf_test::read_file(dir.file("upstream.dat")));
}

TEST(ImatrixConvert, DatKeepsTheLastDatasetAsLlamaImatrixDoes) {
    gguf::Imatrix m = random_imatrix(3);
    m.datasets = {"first.txt", "second.txt"};
    EXPECT_EQ(convert(m, true, 512).datasets, std::vector<std::string>{"second.txt"});
}

TEST(ImatrixConvert, OutputsAreRefusedOverInputsAndExistingFiles) {
    TempDir dir;
    const gguf::Imatrix m = write_and_read(random_imatrix(5), dir.file("in.gguf"));
    for (bool legacy : {false, true}) {
        gguf::WriteOptions w;
        w.output = dir.file("in.gguf");
        auto refused = gguf::write_imatrix(convert(m, legacy, 512), w);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().remedy, gguf::Remedy::replace_output);
        w.overwrite = true;
        w.inputs = {*gguf::identity_of(dir.file("in.gguf"))};
        refused = gguf::write_imatrix(convert(m, legacy, 512), w);
        ASSERT_FALSE(refused);
        EXPECT_NE(refused.error().message.find("input"), std::string::npos);
    }
    EXPECT_EQ(dir.listing(), std::vector<std::string>{"in.gguf"});
}

// What quantization sees is what matters: the converted imatrix, put in the
// original's place, gives the same output bytes for every type that uses it.
TEST(ImatrixConvert, QuantizingWithTheConvertedImatrixGivesTheSameBytes) {
    TempDir dir;
    auto model = gguf::Model::open(std::string(fixtures::kFixturesDir) + "/glm4moe-bundled.gguf");
    ASSERT_TRUE(model) << model.error().to_string();
    const std::string imatrix_path = dir.file("imatrix");
    gguf_test::write_plan_or_fail(gguf_imatrix_plan(entries_for(*model, [](const gguf::TensorInfo&) { return true; }), {"c.txt"}, 3, 512),
                                  imatrix_path);
    auto quantize = [&](const std::string& preset, const std::string& out) {
        auto m = gguf::read_imatrix(imatrix_path);
        ASSERT_TRUE(m) << m.error().to_string();
        gguf::QuantizeOptions q;
        q.preset = gguf::find_preset(preset);
        q.pure = true;
        q.imatrix = &*m;
        q.imatrix_path = imatrix_path;
        auto plan = gguf::plan_quantize(*model, q);
        ASSERT_TRUE(plan) << plan.error().to_string();
        gguf::WriteOptions w;
        w.output = out;
        const auto quantizer = gguf::make_quantizer(2);
        w.transformer = &gguf::as_transformer(*quantizer);
        auto report = gguf::write_plan(plan->plan, w);
        ASSERT_TRUE(report) << report.error().to_string();
    };
    const std::vector<std::string> presets = {"Q4_K_M", "IQ4_XS", "Q3_K_S"};
    for (const auto& preset : presets) quantize(preset, dir.file("gguf-" + preset));
    for (bool to_dat : {true, false}) {
        // gguf -> dat, then that dat -> gguf: each in turn replaces the original.
        auto m = gguf::read_imatrix(imatrix_path);
        ASSERT_TRUE(m);
        write_and_read(convert(*m, to_dat, 512), imatrix_path);
        for (const auto& preset : presets) {
            const std::string out = dir.file(std::string(to_dat ? "dat-" : "back-") + preset);
            quantize(preset, out);
            EXPECT_EQ(gguf_test::read_file(out), gguf_test::read_file(dir.file("gguf-" + preset))) << preset << (to_dat ? " via dat" : " back");
        }
    }
}

}  // namespace
