#version 450
// Residual add: out = a + b, fp32, element-wise.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 256) in;
layout(binding = 0) readonly buffer A { float a[]; };
layout(binding = 1) readonly buffer B { float b[]; };
layout(binding = 2) writeonly buffer O { float o[]; };
layout(push_constant) uniform Push { uint n; } p;

void main() {
    uint i = flat_index(256);
    if (i < p.n) o[i] = a[i] + b[i];
}
