#version 450
// SwiGLU activation: out = silu(gate) * up (silu in common.glsl). Decode takes it into the gate/up product
// (matvec_swiglu*.comp); prefill runs it here.
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
    o[i] = silu(g[i]) * u[i];
}
