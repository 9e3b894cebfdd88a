#version 450
// Decode matmul plus a residual: y = x W^T + r (r is binding 2, f32 [N, M] like y). Design notes in matvec_impl.glsl.
#define HAS_RESIDUAL
#extension GL_GOOGLE_include_directive : require
#include "matvec_impl.glsl"
