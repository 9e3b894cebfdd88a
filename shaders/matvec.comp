#version 450
// Decode matmul without bias: y[n, col + m] = x[n, :] . W[m, :]. Design notes in matvec_impl.glsl.
#extension GL_GOOGLE_include_directive : require
#include "matvec_impl.glsl"
