#version 450
// Prefill matmul with bias (bias is binding 2, so y moves to binding 3: bindings cannot be specialization
// constants, hence a second module). Design notes in matmul_impl.glsl.
#define HAS_BIAS
#extension GL_GOOGLE_include_directive : require
#include "matmul_impl.glsl"
