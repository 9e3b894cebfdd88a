#version 450
// out[r, :] = x[first + r, :]. Picks the last position's hidden state before the lm_head during prefill, so the
// vocabulary-sized projection runs on one row instead of all N (a 151936-wide matmul is the costliest node); also the
// shader half of `kernels bench`'s copy roofline, which is why whole 16-byte texels are copied where the range allows
// (an H200 copied 2.3 TB/s one float per invocation, where a matvec reads 4 TB/s).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 256) in;
// 1: n and first_element are multiples of 4, and each invocation copies one vec4.
layout(constant_id = 0) const uint VEC4 = 0;
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(binding = 1) writeonly buffer O { float o[]; };
layout(binding = 1) writeonly buffer O4 { vec4 o4[]; };
layout(push_constant) uniform Push { uint n; uint first_element; } p;

void main() {
    uint i = flat_index(256);
    if (VEC4 != 0) {
        if (i < p.n / 4) o4[i] = x4[p.first_element / 4 + i];
    } else if (i < p.n) {
        o[i] = x[p.first_element + i];
    }
}
