// Body of attention.comp / attention_texel.comp. Causal grouped-query attention over the fp16 KV cache, flash style: nothing of size context is ever stored.
// One workgroup per (token n, query head h); its invocations split the keys (j = lo + tid, lo + tid + WG, ...)
// and each keeps an online softmax (running max m, running sum l) with an fp32 output accumulator acc[Dh] in
// registers. At the end the partial (m, l, acc) triples are merged: acc and l are rescaled by exp(m - max m) and
// summed, first with subgroupAdd, then across subgroups through shared memory (NSG slots per dimension, NSG =
// WG / the device's smallest subgroup size). The query position comes from the step buffer (step[0] + n) so
// recorded command buffers replay every decode step. Scores, exponentials and sums are fp32; K and V are read
// as fp16. The running max starts at a large finite negative: Vulkan does not promise infinities survive.
// Decode (N = 1) uses only Hq workgroups; splitting long contexts over several workgroups is left for later.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint DH = 64;
layout(constant_id = 2) const uint NSG = 8;
#include "reduce.glsl"

layout(binding = 0) readonly buffer Q { float q[]; };
// The same caches as 8 halves per load, used when DH % 8 == 0 (every cache row then starts 16-byte aligned): on CPU
// drivers each load is a loop over the SIMD lanes, so 8x fewer loads made prefill attention several times faster.
#ifdef TEXEL_LOADS
// On CPU drivers the caches are read as uniform texel buffers of 16-byte texels (see matvec_impl.glsl for why).
layout(binding = 1) uniform usamplerBuffer kc8t;
layout(binding = 2) uniform usamplerBuffer vc8t;
#define LOAD_K8(i) texelFetch(kc8t, int(i))
#define LOAD_V8(i) texelFetch(vc8t, int(i))
#else
layout(binding = 1) readonly buffer KC { float16_t kc[]; };
layout(binding = 2) readonly buffer VC { float16_t vc[]; };
layout(binding = 1) readonly buffer KC8 { uvec4 kc8[]; };
layout(binding = 2) readonly buffer VC8 { uvec4 vc8[]; };
#define LOAD_K8(i) kc8[i]
#define LOAD_V8(i) vc8[i]
#endif
layout(binding = 3) readonly buffer S { uint step[]; };
layout(binding = 4) writeonly buffer O { float o[]; };
layout(push_constant) uniform Push { uint heads_q; uint heads_kv; uint cache_rows; uint window; float scale; } p;

shared float q_sh[DH];
shared float acc_sh[NSG * DH];

const float NO_MAX = -3.0e38;

void main() {
    uint h = gl_WorkGroupID.x;
    uint n = gl_WorkGroupID.y;
    uint tid = gl_LocalInvocationID.x;
    uint hk = h / (p.heads_q / p.heads_kv);
    uint pos = step[0] + n;
    uint qbase = (n * p.heads_q + h) * DH;

    if (pos >= p.cache_rows) {
        for (uint d = tid; d < DH; d += WG) o[qbase + d] = uintBitsToFloat(0x7FC00000u);
        return;
    }
    for (uint d = tid; d < DH; d += WG) q_sh[d] = q[qbase + d] * p.scale;
    barrier();

    uint lo = (p.window > 0 && pos + 1 > p.window) ? pos + 1 - p.window : 0;
    uint rows = hk * p.cache_rows;
    float m = NO_MAX;
    float l = 0.0;
    float acc[DH];
    for (uint d = 0; d < DH; d++) acc[d] = 0.0;
    // The query in registers: read once from shared memory instead of once per key.
    vec4 qv[(DH + 3) / 4];
    for (uint d4 = 0; d4 < DH / 4; d4++) qv[d4] = vec4(q_sh[4 * d4], q_sh[4 * d4 + 1], q_sh[4 * d4 + 2], q_sh[4 * d4 + 3]);

    for (uint j = lo + tid; j <= pos; j += WG) {
        uint kb = (rows + j) * DH;
        float s = 0.0;
        if (DH % 8 == 0) {
            for (uint d8 = 0; d8 < DH / 8; d8++) {
                uvec4 k8 = LOAD_K8(kb / 8 + d8);
                s += dot(vec4(unpackHalf2x16(k8.x), unpackHalf2x16(k8.y)), qv[2 * d8])
                   + dot(vec4(unpackHalf2x16(k8.z), unpackHalf2x16(k8.w)), qv[2 * d8 + 1]);
            }
        }
#ifndef TEXEL_LOADS
        else {
            for (uint d = 0; d < DH; d++) s += q_sh[d] * float(kc[kb + d]);
        }
#endif
        float mNew = max(m, s);
        float keep = exp(m - mNew);
        float e = exp(s - mNew);
        l = l * keep + e;
        if (DH % 8 == 0) {
            for (uint d8 = 0; d8 < DH / 8; d8++) {
                uvec4 v8 = LOAD_V8(kb / 8 + d8);
                vec2 v[4] = vec2[4](unpackHalf2x16(v8.x), unpackHalf2x16(v8.y), unpackHalf2x16(v8.z), unpackHalf2x16(v8.w));
                for (uint i = 0; i < 4; i++) {
                    acc[d8 * 8 + 2 * i] = acc[d8 * 8 + 2 * i] * keep + e * v[i].x;
                    acc[d8 * 8 + 2 * i + 1] = acc[d8 * 8 + 2 * i + 1] * keep + e * v[i].y;
                }
            }
        }
#ifndef TEXEL_LOADS
        else {
            for (uint d = 0; d < DH; d++) acc[d] = acc[d] * keep + e * float(vc[kb + d]);
        }
#endif
        m = mNew;
    }

    float rowMax = wg_max(m);
    float f = exp(m - rowMax);  // 0 for invocations that saw no key
    float total = wg_sum(l * f);
    for (uint d = 0; d < DH; d++) {
        float s = subgroupAdd(acc[d] * f);
        if (subgroupElect()) acc_sh[gl_SubgroupID * DH + d] = s;
    }
    barrier();
    for (uint d = tid; d < DH; d += WG) {
        float t = 0.0;
        for (uint i = 0; i < gl_NumSubgroups; i++) t += acc_sh[i * DH + d];
        o[qbase + d] = t / total;
    }
}
