#version 450
// out[r, :] = x[first + r, :]. Picks the last position's hidden state before the lm_head during prefill, so the
// vocabulary-sized projection runs on one row instead of all N (a 151936-wide matmul is the costliest node).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 256) in;
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) writeonly buffer O { float o[]; };
layout(push_constant) uniform Push { uint n; uint first_element; } p;

void main() {
    uint i = flat_index(256);
    if (i < p.n) o[i] = x[p.first_element + i];
}
