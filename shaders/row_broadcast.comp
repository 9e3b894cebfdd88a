#version 450
// out[r, c] = x[r, c] (+ or *) v[c]: bias add and norm weight in their unfused form. The op is a specialization
// constant so both are one pipeline each with no branch left after specialization.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint OP = 0; // 0 = add, 1 = mul (BroadcastOp)
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer V { float16_t v[]; };
layout(binding = 2) writeonly buffer O { float o[]; };
layout(push_constant) uniform Push { uint n; uint cols; } p;

void main() {
    uint i = flat_index(256);
    if (i >= p.n) return;
    float b = float(v[i % p.cols]);
    o[i] = OP == 0 ? x[i] + b : x[i] * b;
}
