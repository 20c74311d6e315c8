// Recording and submitting one chunk's commands (upload, dequantize, row
// statistics, quantize, read back), the pipelines they bind, and waiting
// for a slot with its timestamps.
#include <algorithm>

#include "gpu_state.h"
#include "no_contraction.h"

namespace gguf::quant::vk {

Result<VkPipeline> GpuQuantizer::State::pipeline(const Spirv& spirv, std::array<int32_t, 2> spec, VkPipelineLayout with) {
    const auto words = keeps_subnormals ? spirv.keeps_subnormals : spirv.plain;
    const auto key = std::make_pair(static_cast<const void*>(words.data()), spec);
    if (auto it = pipelines.find(key); it != pipelines.end()) return it->second;
    const std::vector<uint32_t> code = forbid_contraction(words);
    VkShaderModuleCreateInfo module_info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    module_info.codeSize = code.size() * sizeof(uint32_t);
    module_info.pCode = code.data();
    VkShaderModule module;
    if (VkResult r = f.vkCreateShaderModule(device, &module_info, nullptr, &module); r != VK_SUCCESS) return vk_fail("vkCreateShaderModule", r);
    const VkSpecializationMapEntry entries[2] = {{0, 0, 4}, {1, 4, 4}};
    VkSpecializationInfo spec_info{2, entries, sizeof spec, spec.data()};
    VkComputePipelineCreateInfo info{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    info.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    info.stage.module = module;
    info.stage.pName = "main";
    info.stage.pSpecializationInfo = &spec_info;
    info.layout = with ? with : layout;
    if (capture_statistics) info.flags = VK_PIPELINE_CREATE_CAPTURE_STATISTICS_BIT_KHR;
    VkPipeline p;
    const VkResult r = f.vkCreateComputePipelines(device, VK_NULL_HANDLE, 1, &info, nullptr, &p);
    f.vkDestroyShaderModule(device, module, nullptr);
    if (r != VK_SUCCESS) return vk_fail("vkCreateComputePipelines", r);
    pipelines.emplace(key, p);
    if (capture_statistics) statistics.push_back(statistics_of(p, spirv, spec));
    return p;
}

PipelineStatistics GpuQuantizer::State::statistics_of(VkPipeline p, const Spirv& spirv, std::array<int32_t, 2> spec) const {
    PipelineStatistics out{spirv.name, spec, {}};
    const VkPipelineInfoKHR pipeline_info{VK_STRUCTURE_TYPE_PIPELINE_INFO_KHR, nullptr, p};
    uint32_t executables = 0;
    if (f.vkGetPipelineExecutablePropertiesKHR(device, &pipeline_info, &executables, nullptr) != VK_SUCCESS) return out;
    for (uint32_t e = 0; e < executables; ++e) {
        const VkPipelineExecutableInfoKHR executable{VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_INFO_KHR, nullptr, p, e};
        uint32_t count = 0;
        if (f.vkGetPipelineExecutableStatisticsKHR(device, &executable, &count, nullptr) != VK_SUCCESS) continue;
        std::vector<VkPipelineExecutableStatisticKHR> values(count, {VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_STATISTIC_KHR});
        if (f.vkGetPipelineExecutableStatisticsKHR(device, &executable, &count, values.data()) != VK_SUCCESS) continue;
        for (uint32_t i = 0; i < count; ++i) {
            const auto& v = values[i];
            switch (v.format) {
                case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_UINT64_KHR: out.values.emplace_back(v.name, v.value.u64); break;
                case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_INT64_KHR: out.values.emplace_back(v.name, static_cast<uint64_t>(v.value.i64)); break;
                case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_BOOL32_KHR: out.values.emplace_back(v.name, v.value.b32); break;
                default: break;  // float figures: none the shaders' tuning reads
            }
        }
    }
    return out;
}

Status GpuQuantizer::State::wait(Slot& s) {
    if (!s.pending) return {};
    s.pending = false;
    const auto start = Clock::now();
    if (VkResult r = f.vkWaitForFences(device, 1, &s.fence, VK_TRUE, UINT64_MAX); r != VK_SUCCESS) return vk_fail("vkWaitForFences", r);
    profile.wait_s += seconds_since(start);
    if (stamps) {
        uint64_t t[kStamps];
        if (f.vkGetQueryPoolResults(device, stamps, s.first_stamp, kStamps, sizeof t, t, sizeof t[0], VK_QUERY_RESULT_64_BIT) == VK_SUCCESS) {
            if (t[1] >= t[0]) profile.upload_s += static_cast<double>(t[1] - t[0]) * stamp_seconds;
            if (t[3] >= t[2]) profile.compute_s += static_cast<double>(t[3] - t[2]) * stamp_seconds;
        }
        f.vkResetQueryPool(device, stamps, s.first_stamp, kStamps);
    }
    return {};
}

void GpuQuantizer::State::stamp(VkCommandBuffer commands, const Slot& s, uint32_t which, VkPipelineStageFlagBits stage) {
    if (stamps) f.vkCmdWriteTimestamp(commands, stage, stamps, s.first_stamp + which);
}

void GpuQuantizer::State::begin(const DeviceFunctions& f, VkCommandBuffer commands) {
    f.vkResetCommandBuffer(commands, 0);
    VkCommandBufferBeginInfo info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    info.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    f.vkBeginCommandBuffer(commands, &info);
}

Status GpuQuantizer::State::submit(Slot& s, const ShaderKernel& kernel, uint64_t row_length, uint64_t rows, bool weighted, const DequantizeKernel* source) {
    auto quantize = pipeline(kernel.quantize, {kernel.spec[0], kernel.spec[1]});
    if (!quantize) return std::unexpected(quantize.error());
    const uint64_t values_bytes = rows * row_length * 4;
    const uint64_t encoded_bytes = source ? source->encoded_bytes(rows, row_length) : 0;
    if (source) {
        if (auto r = reserve_encoded(s, encoded_bytes); !r) return r;
    }
    const bool sigma = weighted && kernel.needs_row_sigma;
    VkPipeline row_pass = VK_NULL_HANDLE;
    if (sigma) {
        auto p = pipeline(row_sigma_shader(), {0, 0});
        if (!p) return std::unexpected(p.error());
        row_pass = *p;
    }
    const uint64_t units_per_row = row_length / kernel.unit_values;
    const uint64_t units = rows * units_per_row;
    s.out_bytes = rows * kernel.row_bytes(row_length);
    f.vkResetFences(device, 1, &s.fence);
    s.dequantized = source != nullptr;
    // The upload: on the copy queue when there is one (the semaphore
    // orders it before the shaders), else first in the compute commands.
    const VkCommandBuffer up = copy_queue ? s.upload : s.commands;
    begin(f, up);
    stamp(up, s, 0, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT);
    if (source) {
        const VkBufferCopy weights_copy{0, 0, s.weights_bytes}, blocks_copy{s.weights_bytes, 0, encoded_bytes};
        f.vkCmdCopyBuffer(up, s.host_in.buffer, s.device_in.buffer, 1, &weights_copy);
        f.vkCmdCopyBuffer(up, s.host_in.buffer, s.encoded.buffer, 1, &blocks_copy);
    } else if (input_path == InputPath::copy) {
        const VkBufferCopy in_copy{0, 0, s.weights_bytes + values_bytes};
        f.vkCmdCopyBuffer(up, s.host_in.buffer, s.device_in.buffer, 1, &in_copy);
    } else if (input_path == InputPath::device_reads_host) {
        const VkBufferCopy weights_copy{0, 0, s.weights_bytes};
        f.vkCmdCopyBuffer(up, s.host_in.buffer, s.device_in.buffer, 1, &weights_copy);
    }
    bind_inputs(s, source == nullptr);
    stamp(up, s, 1, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT);
    if (copy_queue) {
        f.vkEndCommandBuffer(up);
        VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
        submit.commandBufferCount = 1;
        submit.pCommandBuffers = &up;
        submit.signalSemaphoreCount = 1;
        submit.pSignalSemaphores = &s.uploaded;
        if (VkResult r = f.vkQueueSubmit(transfer.queue, 1, &submit, VK_NULL_HANDLE); r != VK_SUCCESS) return vk_fail("vkQueueSubmit", r);
        begin(f, s.commands);
    } else {
        VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
        barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
        barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
        f.vkCmdPipelineBarrier(s.commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier, 0, nullptr, 0,
                               nullptr);
    }
    stamp(s.commands, s, 2, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT);
    if (source) {
        DequantizePass::Chunk chunk;
        chunk.kernel = source;
        chunk.values = rows * row_length;
        chunk.encoded = {s.encoded.buffer, 0, encoded_bytes};
        chunk.floats = {s.device_in.buffer, s.weights_bytes, values_bytes};
        chunk.flag = {s.flag.buffer, 0, 4};
        chunk.flag_host = {s.flag_host.buffer, 0, 4};
        chunk.check_subnormal = !keeps_subnormals;
        const auto slot = static_cast<uint32_t>(&s - slots.data());
        auto made = [this](const Spirv& spirv, std::array<int32_t, 2> spec, VkPipelineLayout with) { return pipeline(spirv, spec, with); };
        if (auto r = dequantize->record(s.commands, slot, chunk, made); !r) return r;
    }
    f.vkCmdBindDescriptorSets(s.commands, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1, &s.set, 0, nullptr);
    if (sigma) {
        const PushConstants pc{static_cast<uint32_t>(rows), 0, static_cast<uint32_t>(row_length), 1};
        f.vkCmdBindPipeline(s.commands, VK_PIPELINE_BIND_POINT_COMPUTE, row_pass);
        f.vkCmdPushConstants(s.commands, layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof pc, &pc);
        f.vkCmdDispatch(s.commands, static_cast<uint32_t>((rows + kWorkgroup - 1) / kWorkgroup), 1, 1);
        VkMemoryBarrier between{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
        between.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
        between.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
        f.vkCmdPipelineBarrier(s.commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &between, 0, nullptr, 0,
                               nullptr);
    }
    const PushConstants pc{static_cast<uint32_t>(units), static_cast<uint32_t>(units_per_row), static_cast<uint32_t>(row_length),
                           weighted ? 1u : 0u};
    f.vkCmdBindPipeline(s.commands, VK_PIPELINE_BIND_POINT_COMPUTE, *quantize);
    f.vkCmdPushConstants(s.commands, layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof pc, &pc);
    f.vkCmdDispatch(s.commands, static_cast<uint32_t>((units * kernel.unit_invocations + kWorkgroup - 1) / kWorkgroup), 1, 1);
    VkMemoryBarrier done{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    done.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    done.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    f.vkCmdPipelineBarrier(s.commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &done, 0, nullptr, 0, nullptr);
    const VkBufferCopy out_copy{0, 0, s.out_bytes};
    f.vkCmdCopyBuffer(s.commands, s.device_out.buffer, s.host_out.buffer, 1, &out_copy);
    VkMemoryBarrier host{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    host.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    host.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    f.vkCmdPipelineBarrier(s.commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &host, 0, nullptr, 0, nullptr);
    stamp(s.commands, s, 3, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT);
    f.vkEndCommandBuffer(s.commands);
    VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &s.commands;
    const VkPipelineStageFlags wait_stage = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
    if (copy_queue) {
        submit.waitSemaphoreCount = 1;
        submit.pWaitSemaphores = &s.uploaded;
        submit.pWaitDstStageMask = &wait_stage;
    }
    if (VkResult r = f.vkQueueSubmit(compute.queue, 1, &submit, s.fence); r != VK_SUCCESS) return vk_fail("vkQueueSubmit", r);
    s.pending = true;
    return {};
}

}  // namespace gguf::quant::vk
