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
#include "attention_partials.glsl"

layout(binding = 0) readonly buffer P { float part[]; };  // [heads, SPLITS, PSTRIDE]
layout(binding = 1) writeonly buffer O { float o[]; };    // [1, heads, DH]

void main() {
    uint h = gl_WorkGroupID.x;
    uint tid = gl_LocalInvocationID.x;
    uint base = h * SPLITS * PSTRIDE;
    // The NaN the split kernel writes past the cache, compared as bits (common.glsl).
    bool outside = floatBitsToUint(part[base + P_SUM]) == NAN_BITS;
    float mMax = part[base + P_MAX];
    for (uint s = 1; s < SPLITS; s++) mMax = max(mMax, part[base + s * PSTRIDE + P_MAX]);
    float total = 0.0;
    for (uint s = 0; s < SPLITS; s++) total += part[base + s * PSTRIDE + P_SUM] * exp(part[base + s * PSTRIDE + P_MAX] - mMax);
    for (uint d = tid; d < DH; d += WG) {
        float t = 0.0;
        for (uint s = 0; s < SPLITS; s++) t += part[base + s * PSTRIDE + d] * exp(part[base + s * PSTRIDE + P_MAX] - mMax);
        o[h * DH + d] = outside ? uintBitsToFloat(NAN_BITS) : t / total;
    }
}
