#version 450
// Prefill matmul without bias: y[n, col + m] = x[n, :] . W[m, :]. Design notes in matmul_impl.glsl.
#extension GL_GOOGLE_include_directive : require
#include "matmul_impl.glsl"
