// verify --data against ggml_validate_row_data: on random bytes of every
// type (where NaN and Inf scales turn up often), verify finds a problem in a
// tensor exactly when ggml refuses its data.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

#include "gguf/verify/verify.h"
#include "gguf/plan/writer.h"
#include "oracle_ggml.h"

namespace {

class ScratchFile {
public:
    ScratchFile() : path_(std::filesystem::temp_directory_path() / ("gguf-mtp-validate-" + std::to_string(::getpid()) + ".gguf")) {}
    ~ScratchFile() { std::filesystem::remove(path_); }
    std::string path() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

// Writes one tensor holding `data` and returns whether verify --data finds it valid.
bool verify_accepts(const std::string& path, gguf::TensorType type, uint64_t elements, const std::vector<uint8_t>& data) {
    gguf::Plan plan;
    plan.metadata.append(gguf::keys::kArchitecture, gguf::Value::string("test"));
    gguf::TensorInfo info;
    info.name = "t";
    info.type = type;
    info.ne = {elements, 1, 1, 1};
    info.n_bytes = data.size();
    plan.tensors.push_back({info, gguf::FillSource([&](std::span<uint8_t> out) -> gguf::Status {
                                std::copy(data.begin(), data.end(), out.begin());
                                return {};
                            })});
    gguf::WriteOptions options;
    options.output = path;
    options.overwrite = true;
    auto written = gguf::write_plan(plan, options);
    EXPECT_TRUE(written.has_value()) << written.error().to_string();
    auto report = gguf::verify_model(path, {.scan_data = true, .threads = 1, .on_progress = {}});
    for (const auto& f : report.findings) EXPECT_EQ(f.check, gguf::Check::tensor_data) << f.error.to_string();
    return report.ok();
}

TEST(ValidateRowData, VerifyAgreesWithGgmlOnRandomBlocksOfEveryType) {
    ScratchFile file;
    std::mt19937_64 rng(7);
    for (uint32_t id = 0; id < gguf::kTensorTypeCount; ++id) {
        // ggml validates no Q8_1 data at all (its switch has no case for
        // it); verify checks Q8_1's two f16 fields like every other block.
        if (!gguf::type_is_usable(id) || id == static_cast<uint32_t>(gguf::TensorType::Q8_1)) continue;
        const auto type = gguf::TensorType(id);
        const auto traits = *gguf::type_traits(id);
        const uint64_t blocks = traits.block_size == 1 ? 64 : 4;
        size_t refused = 0;
        for (int trial = 0; trial < 40; ++trial) {
            std::vector<uint8_t> data(blocks * traits.block_bytes);
            for (auto& b : data) b = static_cast<uint8_t>(rng());
            const bool ggml_accepts = oracle_ggml::validate_row_data(type, data);
            refused += !ggml_accepts;
            ASSERT_EQ(verify_accepts(file.path(), type, blocks * traits.block_size, data), ggml_accepts)
                << traits.name << " trial " << trial;
        }
        RecordProperty(std::string(traits.name), static_cast<int>(refused));
    }
}

}  // namespace
