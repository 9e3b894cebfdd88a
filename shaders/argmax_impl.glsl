// Body of argmax.comp / argmax_texel.comp. Row-wise argmax, the smallest index on ties (greedy sampling must be deterministic across devices).
// Floats are mapped to order-preserving uint keys so the comparison is exact integer work with no dependence on
// how a device treats -inf/NaN; each invocation scans its strided elements in increasing order keeping the first
// maximum, then the workgroup takes the max key and the smallest index holding it.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 256;
#include "reduce.glsl"

#ifdef TEXEL_LOADS
// x read as a uniform texel buffer of 16-byte texels (4 floats; cols % 4 == 0). On CPU drivers a storage-buffer load
// is a loop over the SIMD lanes per 32-bit component and a texel fetch one 16-byte load per lane: 4x fewer loads,
// each cheaper, for the decode step's one 152k-wide row that a single workgroup scans.
layout(binding = 0) uniform usamplerBuffer x4t;
#else
layout(binding = 0) readonly buffer X { float x[]; };
#endif
layout(binding = 1) writeonly buffer O { uint o[]; };
layout(push_constant) uniform Push { uint rows; uint cols; } p;

const uint NONE = 0xFFFFFFFFu;

uint order_key(float f) {
    uint b = floatBitsToUint(f);
    if (b == 0x80000000u) b = 0u; // -0 ties with +0, as the comparison does
    return (b & 0x80000000u) != 0 ? ~b : b | 0x80000000u;
}

uint bestKey = 0;
uint bestIdx = NONE;

// Element c of this invocation's scan, which sees its elements in increasing order: the first maximum stays.
void consider(float f, uint c) {
    uint k = order_key(f);
    if (bestIdx == NONE || k > bestKey) {
        bestKey = k;
        bestIdx = c;
    }
}

void main() {
    uint row = wg_row();
    if (row >= p.rows) return;
    uint base = row * p.cols;

#ifdef TEXEL_LOADS
    // Each invocation still sees its elements in increasing order (the 4 of a texel, then its next texel), so
    // keeping the first maximum of its own scan stays correct.
    for (uint t = gl_LocalInvocationID.x; t < p.cols / 4; t += WG) {
        uvec4 q = texelFetch(x4t, int(base / 4 + t));
        for (uint j = 0; j < 4; j++) consider(uintBitsToFloat(q[j]), 4 * t + j);
    }
#else
    for (uint c = gl_LocalInvocationID.x; c < p.cols; c += WG) consider(x[base + c], c);
#endif
    uint rowKey = wg_max_u(bestKey);
    uint idx = wg_min_u(bestKey == rowKey ? bestIdx : NONE);
    if (gl_LocalInvocationID.x == 0) o[row] = idx;
}
