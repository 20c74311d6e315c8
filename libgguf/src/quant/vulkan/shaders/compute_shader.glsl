// The float controls that make a shader's arithmetic the CPU core's: round
// to nearest even, signed zeros, infinities and NaNs kept, and subnormals
// kept where the device can (the keeps_subnormals build defines DENORM_PRESERVE).
#extension GL_EXT_spirv_intrinsics : require

spirv_execution_mode(capabilities = [4467], 4462, 32);  // RoundingModeRTE, 32-bit
spirv_execution_mode(capabilities = [4466], 4461, 32);  // SignedZeroInfNanPreserve, 32-bit
#ifdef DENORM_PRESERVE
spirv_execution_mode(capabilities = [4464], 4459, 32);  // DenormPreserve, 32-bit
#endif
