#version 450
// SwiGLU of a stacked gate/up product (prefill): gu [rows, 2M] holds gate and up columns in alternating blocks of
// BLOCK, the layout of a stacked gate/up weight (SiluMulKernel.StackedBlockRows, matvec_impl.glsl); out [rows, M] =
// silu(gate) * up (silu in common.glsl).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint BLOCK = 8;
layout(local_size_x = 256) in;
layout(binding = 0) readonly buffer GU { float gu[]; };
layout(binding = 1) writeonly buffer O { float o[]; };
// n: outputs in all; m: columns of out (M).
layout(push_constant) uniform Push { uint n; uint m; } p;

void main() {
    uint i = flat_index(256);
    if (i >= p.n) return;
    uint row = i / p.m, col = i % p.m;
    uint g = row * 2 * p.m + (col / BLOCK) * 2 * BLOCK + col % BLOCK;
    o[i] = silu(gu[g]) * gu[g + BLOCK];
}
