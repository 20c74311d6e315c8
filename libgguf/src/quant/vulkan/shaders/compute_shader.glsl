// What every shader of this folder starts with: 8- and 16-bit types, 8-bit
// storage, loop hints, 64 invocations per workgroup (kWorkgroup in
// gpu_quantizer.cpp and dequantize_pass.cpp), and the float controls that
// make its arithmetic the CPU core's: round to nearest even, signed zeros,
// infinities and NaNs kept, and subnormals kept where the device can (the
// keeps_subnormals build defines DENORM_PRESERVE).
#extension GL_EXT_shader_explicit_arithmetic_types : require
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_EXT_spirv_intrinsics : require

spirv_execution_mode(capabilities = [4467], 4462, 32);  // RoundingModeRTE, 32-bit
spirv_execution_mode(capabilities = [4466], 4461, 32);  // SignedZeroInfNanPreserve, 32-bit
#ifdef DENORM_PRESERVE
spirv_execution_mode(capabilities = [4464], 4459, 32);  // DenormPreserve, 32-bit
#endif

layout(local_size_x = 64) in;
