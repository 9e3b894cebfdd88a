#version 450
// out[t, j] = x[t, perm[j]]: x's columns in the order of an act-order GPTQ weight's permuted K, so the product can
// read that weight in whole blocks of 32 (each block one group) while computing W x exactly.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 256) in;
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer Perm { uint perm[]; };
layout(binding = 2) writeonly buffer O { float o[]; };
layout(push_constant) uniform Push { uint n; uint k; } p;

void main() {
    uint i = flat_index(256);
    if (i >= p.n) return;
    uint t = i / p.k;
    o[i] = x[t * p.k + perm[i % p.k]];
}
