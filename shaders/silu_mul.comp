#version 450
// SwiGLU activation: out = silu(gate) * up. The sigmoid is written so exp never overflows (exp of a non-positive
// argument only): Vulkan does not promise infinities survive arithmetic unless the device opts in.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 256) in;
layout(binding = 0) readonly buffer G { float g[]; };
layout(binding = 1) readonly buffer U { float u[]; };
layout(binding = 2) writeonly buffer O { float o[]; };
layout(push_constant) uniform Push { uint n; } p;

void main() {
    uint i = flat_index(256);
    if (i >= p.n) return;
    float x = g[i];
    float e = exp(-abs(x));
    float sig = x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    o[i] = x * sig * u[i];
}
