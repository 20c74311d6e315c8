#include "dequantize_pass.h"

#include <algorithm>
#include <string>
#include <vector>

namespace gguf::quant::vk {
namespace {

constexpr uint32_t kWorkgroup = 64;  // local_size_x of the dequantize shaders
constexpr uint32_t kBindings = 3;    // encoded, floats, flag

struct PushConstants {
    uint32_t pieces, unit_values, unit_bytes, piece_values, check_subnormal;
};

void barrier(const DeviceFunctions& f, VkCommandBuffer commands, VkAccessFlags src_access, VkAccessFlags dst_access,
             VkPipelineStageFlags src_stage, VkPipelineStageFlags dst_stage) {
    VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    b.srcAccessMask = src_access;
    b.dstAccessMask = dst_access;
    f.vkCmdPipelineBarrier(commands, src_stage, dst_stage, 0, 1, &b, 0, nullptr, 0, nullptr);
}

}  // namespace

Result<std::unique_ptr<DequantizePass>> DequantizePass::create(VkDevice device, const DeviceFunctions& f, uint32_t slots) {
    std::unique_ptr<DequantizePass> pass(new DequantizePass(device, f));
    pass->sets_.resize(slots);
    if (auto r = make_compute_layout(device, f, kBindings, sizeof(PushConstants), pass->layout_, pass->sets_); !r) return std::unexpected(r.error());
    return pass;
}

DequantizePass::~DequantizePass() { destroy_compute_layout(device_, f_, layout_); }

Status DequantizePass::record(VkCommandBuffer commands, uint32_t slot, const Chunk& chunk, const MakePipeline& make_pipeline) {
    const DequantizeKernel& k = *chunk.kernel;
    auto pipeline = make_pipeline(k.dequantize, {k.spec[0], k.spec[1]}, layout_.layout);
    if (!pipeline) return std::unexpected(pipeline.error());
    const uint64_t pieces = chunk.values / k.piece_values;
    const uint64_t groups = (pieces + kWorkgroup - 1) / kWorkgroup;
    const uint64_t groups_x = std::min<uint64_t>(std::max<uint64_t>(groups, 1), max_groups_);
    const uint64_t groups_y = (groups + groups_x - 1) / groups_x;
    if (chunk.values % k.unit_values != 0 || groups_y > max_groups_) {
        return fail(ErrorCode::invalid_argument, "", "a chunk of " + std::to_string(chunk.values) + " values does not fit one dequantize dispatch");
    }
    const VkDescriptorBufferInfo infos[kBindings] = {
        {chunk.encoded.buffer, chunk.encoded.offset, chunk.encoded.size},
        {chunk.floats.buffer, chunk.floats.offset, chunk.floats.size},
        {chunk.flag.buffer, chunk.flag.offset, chunk.flag.size},
    };
    bind_storage_buffers(device_, f_, sets_[slot], 0, infos);

    f_.vkCmdFillBuffer(commands, chunk.flag.buffer, chunk.flag.offset, chunk.flag.size, 0);
    barrier(f_, commands, VK_ACCESS_TRANSFER_WRITE_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT);
    const PushConstants pc{static_cast<uint32_t>(pieces), k.unit_values, k.unit_bytes, k.piece_values, chunk.check_subnormal ? 1u : 0u};
    f_.vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, *pipeline);
    f_.vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, layout_.layout, 0, 1, &sets_[slot], 0, nullptr);
    f_.vkCmdPushConstants(commands, layout_.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof pc, &pc);
    if (groups > 0) f_.vkCmdDispatch(commands, static_cast<uint32_t>(groups_x), static_cast<uint32_t>(groups_y), 1);
    barrier(f_, commands, VK_ACCESS_SHADER_WRITE_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT);
    const VkBufferCopy flag_copy{chunk.flag.offset, chunk.flag_host.offset, chunk.flag.size};
    f_.vkCmdCopyBuffer(commands, chunk.flag.buffer, chunk.flag_host.buffer, 1, &flag_copy);
    return {};
}

}  // namespace gguf::quant::vk
