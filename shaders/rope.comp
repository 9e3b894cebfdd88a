#version 450
// Rotary position embedding (rope.glsl) of every head of x, one invocation per pair (x[i], x[i + Dh/2]).
// cos/sin come from a host-built table (RopeTable): angle = p * f in fp32 loses ~1e-3 at p = 30000, the table is
// exact to fp32 rounding and carries any per-dimension frequency scaling (linear, YaRN) for free.
// The position offset is read from the step buffer, not a push constant, so a recorded command buffer replays
// every decode step unchanged while the host rewrites step[0]. One invocation per pair, reading both halves
// before writing them: out may alias x. A position past the table writes NaN so the fault cannot go unnoticed.
// Where q and k arrive side by side (decode with stacked projections) attention does this itself, saving the
// dispatch (attention_impl.glsl, ROPE_KV).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "rope.glsl"

layout(local_size_x = 256) in;
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer T { float table[]; };
layout(binding = 2) readonly buffer S { uint step[]; };
layout(binding = 3) writeonly buffer O { float o[]; };
layout(push_constant) uniform Push { uint pairs; uint half_dim; uint heads; uint positions; } p;

void main() {
    uint i = flat_index(256);
    if (i >= p.pairs) return;
    uint pair = i % p.half_dim;
    uint row = i / p.half_dim;           // n * heads + h
    uint token = row / p.heads;
    uint pos = step[0] + token;
    uint lo = row * 2 * p.half_dim + pair;
    uint hi = lo + p.half_dim;
    if (pos >= p.positions) {
        o[lo] = uintBitsToFloat(NAN_BITS);
        o[hi] = uintBitsToFloat(NAN_BITS);
        return;
    }
    uint t = (pos * p.half_dim + pair) * 2;
    float c = table[t];
    float s = table[t + 1];
    float a = x[lo];
    float b = x[hi];
    o[lo] = ROPE_A(a, b, c, s);
    o[hi] = ROPE_B(a, b, c, s);
}
