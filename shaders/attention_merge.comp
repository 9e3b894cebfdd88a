#version 450
// Combines the partials of a split decode attention (attention_impl.glsl, SPLITS > 1): per query head, SPLITS
// triples (acc[DH], m, l) of online-softmax state over disjoint key ranges become
// o = sum_s acc_s exp(m_s - M) / sum_s l_s exp(m_s - M), M = max_s m_s. A split that saw no key holds
// (0, NO_MAX, 0) and weighs nothing. A position past the cache (partials NaN) gives NaN. One workgroup per head;
// the work is tiny, the dispatch exists so that the split one can fill a GPU.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint DH = 64;
layout(constant_id = 2) const uint SPLITS = 8;
layout(local_size_x_id = 0) in;
const uint PSTRIDE = DH + 4;

layout(binding = 0) readonly buffer P { float part[]; };  // [heads, SPLITS, PSTRIDE]
layout(binding = 1) writeonly buffer O { float o[]; };    // [1, heads, DH]

void main() {
    uint h = gl_WorkGroupID.x;
    uint tid = gl_LocalInvocationID.x;
    uint base = h * SPLITS * PSTRIDE;
    // The NaN the split kernel writes past the cache, compared as bits: float comparisons need not see NaNs.
    bool outside = floatBitsToUint(part[base + DH + 1]) == 0x7FC00000u;
    float mMax = part[base + DH];
    for (uint s = 1; s < SPLITS; s++) mMax = max(mMax, part[base + s * PSTRIDE + DH]);
    float total = 0.0;
    for (uint s = 0; s < SPLITS; s++) total += part[base + s * PSTRIDE + DH + 1] * exp(part[base + s * PSTRIDE + DH] - mMax);
    for (uint d = tid; d < DH; d += WG) {
        float t = 0.0;
        for (uint s = 0; s < SPLITS; s++) t += part[base + s * PSTRIDE + d] * exp(part[base + s * PSTRIDE + DH] - mMax);
        o[h * DH + d] = outside ? uintBitsToFloat(0x7FC00000u) : t / total;
    }
}
