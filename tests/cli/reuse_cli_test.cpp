// quantize --reuse: a rerun copies what an earlier output holds, only where
// its provenance record and its bytes prove the copy equals a recompute; the
// output is always byte for byte a fresh run's.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "gguf/format/gguf_file.h"
#include "gguf_fixtures.h"
#include "imatrix_files.h"
#include "test_support.h"

namespace {

using gguf_test::gguf_mtp;
using gguf_test::read_file;
using gguf_test::TempDir;
using nlohmann::json;

constexpr const char* kFixture = "glm4moe-wide-bundled.gguf";

json read_json(const std::string& path) {
    std::ifstream in(path);
    return json::parse(in);
}

// Changes one element of `tensor` in `path`, in place.
void change_tensor(const std::string& path, const std::string& tensor) {
    uint64_t offset = 0;
    {
        auto file = gguf::GgufFile::open(path);
        ASSERT_TRUE(file) << file.error().to_string();
        const int64_t index = file->find_tensor(tensor);
        ASSERT_GE(index, 0) << tensor;
        offset = file->tensor_file_offset(static_cast<size_t>(index));
    }
    auto bytes = read_file(path);
    bytes[offset + 1] ^= 0x01;  // a low bit of the first element: a new value, still finite
    gguf_test::write_file(path, bytes);
}

class ReuseCli : public testing::Test {
protected:
    void SetUp() override {
        std::filesystem::copy_file(fixtures::path(kFixture), dir_.file("model.gguf"));
        auto model = gguf::Model::open(fixtures::path(kFixture));
        ASSERT_TRUE(model) << model.error().to_string();
        gguf_test::write_plan_or_fail(imatrix_test::trunk_imatrix_plan(*model, 2), dir_.file("im2.gguf"));
        gguf_test::write_plan_or_fail(imatrix_test::trunk_imatrix_plan(*model, 1), dir_.file("im1.gguf"));
    }

    // Quantizes model.gguf (or `input`) to `output` with `extra` options;
    // returns the --json report.
    json quantize(const std::string& output, std::vector<std::string> extra = {}, const std::string& input = "model.gguf",
                  const std::string& imatrix = "im2.gguf") {
        std::vector<std::string> args{"quantize", "--json", "--imatrix", dir_.file(imatrix)};
        args.insert(args.end(), extra.begin(), extra.end());
        args.insert(args.end(), {dir_.file(input), dir_.file(output), "Q4_K_M", "2"});
        auto r = gguf_mtp(args);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        last_err_ = r.err;
        return r.exit_code == 0 ? json::parse(r.out) : json();
    }
    std::vector<uint8_t> bytes(const std::string& name) const { return read_file(dir_.file(name)); }
    json record(const std::string& output) const { return read_json(dir_.file(output + ".provenance.json")); }

    TempDir dir_;
    std::string last_err_;
};

// Tensors whose recipe is the same in both records: exactly those a rerun
// may copy.
size_t same_recipes(const json& a, const json& b) {
    size_t n = 0;
    for (const auto& [name, entry] : a["tensors"].items()) {
        if (!b["tensors"].contains(name)) continue;
        const json& other = b["tensors"][name];
        bool same = true;
        for (const char* field : {"source", "importance", "type", "release", "kernels"}) same = same && entry[field] == other[field];
        n += same;
    }
    return n;
}

TEST_F(ReuseCli, ARerunOfTheSameInputsCopiesEveryQuantizedTensor) {
    const json first = quantize("prev.gguf");
    const json again = quantize("again.gguf", {"--reuse", dir_.file("prev.gguf")});
    EXPECT_EQ(bytes("again.gguf"), bytes("prev.gguf"));
    ASSERT_TRUE(again.contains("reuse"));
    EXPECT_EQ(again["reuse"]["quantized"], first["totals"]["quantized"]);
    EXPECT_EQ(again["reuse"]["reused"], first["totals"]["quantized"]);
    EXPECT_NE(last_err_.find("reused " + std::to_string(first["totals"]["quantized"].get<size_t>())), std::string::npos) << last_err_;
    // The copies carry their record over: a third run reuses them all again.
    EXPECT_EQ(same_recipes(record("prev.gguf"), record("again.gguf")), first["totals"]["quantized"].get<size_t>());
}

TEST_F(ReuseCli, ChangingOneTensorRecomputesExactlyThatTensor) {
    const json first = quantize("prev.gguf");
    change_tensor(dir_.file("model.gguf"), "blk.1.ffn_down_exps.weight");
    const json rerun = quantize("rerun.gguf", {"--reuse", dir_.file("prev.gguf")});
    quantize("fresh.gguf");
    EXPECT_EQ(bytes("rerun.gguf"), bytes("fresh.gguf"));
    EXPECT_EQ(rerun["reuse"]["reused"].get<size_t>(), first["totals"]["quantized"].get<size_t>() - 1);
    EXPECT_NE(record("rerun.gguf")["tensors"]["blk.1.ffn_down_exps.weight"]["source"],
              record("prev.gguf")["tensors"]["blk.1.ffn_down_exps.weight"]["source"]);
}

TEST_F(ReuseCli, ChangedImportanceDataOrReleaseRecomputesWhatItTouches) {
    quantize("prev.gguf");
    const json other_imatrix = quantize("im1.gguf.out", {"--reuse", dir_.file("prev.gguf")}, "model.gguf", "im1.gguf");
    quantize("fresh-im1.gguf", {}, "model.gguf", "im1.gguf");
    EXPECT_EQ(bytes("im1.gguf.out"), bytes("fresh-im1.gguf"));
    const size_t expected = same_recipes(record("prev.gguf"), record("fresh-im1.gguf"));
    EXPECT_LT(expected, other_imatrix["reuse"]["quantized"].get<size_t>()) << "the second imatrix drops block 1's entries";
    EXPECT_EQ(other_imatrix["reuse"]["reused"].get<size_t>(), expected);

    const json older = quantize("older.gguf", {"--compat", "v0.4.0", "--reuse", dir_.file("prev.gguf")});
    EXPECT_EQ(older["reuse"]["reused"], 0) << "a record made for another release is not trusted";
}

TEST_F(ReuseCli, AStaleMissingOrBrokenRecordMeansRecomputeNeverAWrongCopy) {
    const json first = quantize("prev.gguf");
    const size_t quantized = first["totals"]["quantized"];
    quantize("fresh.gguf");

    // The earlier file changed after its record was written.
    change_tensor(dir_.file("prev.gguf"), "blk.0.attn_q.weight");
    const json stale = quantize("stale.gguf", {"--reuse", dir_.file("prev.gguf")});
    EXPECT_EQ(bytes("stale.gguf"), bytes("fresh.gguf"));
    EXPECT_EQ(stale["reuse"]["reused"].get<size_t>(), quantized - 1);

    std::filesystem::remove(dir_.file("prev.gguf.provenance.json"));
    const json missing = quantize("missing.gguf", {"--reuse", dir_.file("prev.gguf")});
    EXPECT_EQ(bytes("missing.gguf"), bytes("fresh.gguf"));
    EXPECT_EQ(missing["reuse"]["reused"], 0);
    EXPECT_NE(last_err_.find("reused nothing"), std::string::npos) << last_err_;

    gguf_test::write_file(dir_.file("prev.gguf.provenance.json"), {'{', '}'});
    const json broken = quantize("broken.gguf", {"--reuse", dir_.file("prev.gguf")});
    EXPECT_EQ(bytes("broken.gguf"), bytes("fresh.gguf"));
    EXPECT_EQ(broken["reuse"]["reused"], 0);
    EXPECT_NE(broken["reuse"]["record_problem"].get<std::string>().find("provenance record"), std::string::npos);
}

TEST_F(ReuseCli, ARerunMayReplaceTheOutputItReusesFrom) {
    quantize("out.gguf");
    const auto before = bytes("out.gguf");
    const json over = quantize("out.gguf", {"--force", "--reuse", dir_.file("out.gguf")});
    EXPECT_EQ(bytes("out.gguf"), before);
    EXPECT_EQ(over["reuse"]["reused"], over["reuse"]["quantized"]);
    const json once_more = quantize("again.gguf", {"--reuse", dir_.file("out.gguf")});
    EXPECT_EQ(once_more["reuse"]["reused"], once_more["reuse"]["quantized"]) << "the replaced output's record is whole";
}

TEST_F(ReuseCli, SplitOutputsKeepTheirRecordBesideTheFirstShard) {
    ASSERT_EQ(gguf_mtp({"split", "--split-max-tensors", "20", dir_.file("model.gguf"), dir_.file("in")}).exit_code, 0);
    quantize("q.gguf", {"--keep-split"}, "in-00001-of-00003.gguf");
    ASSERT_TRUE(std::filesystem::exists(dir_.file("q-00001-of-00003.gguf.provenance.json")));
    const json rerun = quantize("r.gguf", {"--keep-split", "--reuse", dir_.file("q-00002-of-00003.gguf")}, "in-00001-of-00003.gguf");
    EXPECT_EQ(rerun["reuse"]["reused"], rerun["reuse"]["quantized"]);
    for (const char* shard : {"-00001-of-00003.gguf", "-00002-of-00003.gguf", "-00003-of-00003.gguf"}) {
        EXPECT_EQ(bytes(std::string("r") + shard), bytes(std::string("q") + shard)) << shard;
    }
}

TEST_F(ReuseCli, NoProvenanceWritesNoRecordAndStreamsStillReuse) {
    quantize("plain.gguf", {"--no-provenance"});
    EXPECT_FALSE(std::filesystem::exists(dir_.file("plain.gguf.provenance.json")));

    quantize("prev.gguf");
    ASSERT_EQ(gguf_mtp({"split", "--split-max-tensors", "40", dir_.file("model.gguf"), dir_.file("s")}).exit_code, 0);
    ASSERT_EQ(gguf_mtp({"join", dir_.file("s-00001-of-00002.gguf"), dir_.file("model.gguf.zst")}).exit_code, 0);
    const json packed = quantize("z.gguf", {"--reuse", dir_.file("prev.gguf")}, "model.gguf.zst");
    EXPECT_EQ(packed["reuse"]["reused"], packed["reuse"]["quantized"]);
    EXPECT_EQ(bytes("z.gguf"), bytes("prev.gguf"));
}

// With many threads the next sources are digested together, on threads of
// their own: the record must not depend on which digest finished first.
TEST_F(ReuseCli, TheRecordIsTheSameWhateverTheThreadCount) {
    quantize("two.gguf");
    const auto many = gguf_mtp({"quantize", "--imatrix", dir_.file("im2.gguf"), dir_.file("model.gguf"), dir_.file("many.gguf"), "Q4_K_M", "16"});
    ASSERT_EQ(many.exit_code, 0) << many.err;
    EXPECT_EQ(bytes("many.gguf"), bytes("two.gguf"));
    json two = record("two.gguf");
    json sixteen = record("many.gguf");
    ASSERT_FALSE(two["tensors"].empty());
    for (json* r : {&two, &sixteen}) {
        for (auto& [name, entry] : (*r)["tensors"].items()) entry.erase("seconds");
    }
    EXPECT_EQ(sixteen, two);
}

}  // namespace
