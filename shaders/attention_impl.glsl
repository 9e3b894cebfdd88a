// Body of attention.comp / attention_texel.comp. Causal grouped-query attention over the fp16 KV cache, flash style: nothing of size context is ever stored.
// One workgroup per (token n, query head h); its invocations split the keys (j = lo + tid, lo + tid + WG, ...)
// and each keeps an online softmax (running max m, running sum l; online_softmax.glsl) with an fp32 output
// accumulator acc[Dh] in registers. At the end the partial (m, l, acc) triples are merged: acc and l are rescaled
// by exp(m - max m) and summed, first with subgroupAdd, then across subgroups through shared memory (NSG slots per
// dimension, NSG = WG / the device's smallest subgroup size); a workgroup that is one subgroup (NSG = 1, CPU
// drivers) merges with subgroup operations alone. The query position comes from the step buffer (step[0] + n) so
// recorded command buffers replay every decode step. Scores, exponentials and sums are fp32; K and V are read
// as fp16. The running max starts at a large finite negative: Vulkan does not promise infinities survive.
// Decode (N = 1) on GPUs splits each head's keys over SPLITS workgroups (see SPLITS below).
// ROPE_KV (decode only, N = 1): q and k arrive unrotated side by side ([Hq + Hkv, Dh], the stacked projection's
// output) with v beside them, and this dispatch does what rope.comp and kv_append.comp do apart, with their
// rope.glsl and kv_cache.glsl: each workgroup rotates its query and its kv head's current key, rounds key and value
// to fp16 as the cache stores them, takes them from shared memory (with texel loads: from registers, every
// invocation holding them) for the current position and from the cache for earlier ones, and the first query head
// of each group writes them to the cache row for later steps. No workgroup reads the row being written, so the cache is
// both read (bindings 1, 2) and written (7, 8) by one dispatch without a hazard. It saves a dispatch per layer, which
// costs a CPU driver ~0.1-0.3 ms whatever it does.
// QK_NORM (with ROPE_KV): Qwen3 RMS-normalizes each query and key head (weights q_norm, k_norm in bindings 6 and 7;
// outputs move to 8-10) before RoPE; taken in here, Qwen3's decode drops from 10 dispatches per layer to 5 (two
// norms, two ropes and the append).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint DH = 64;
layout(constant_id = 2) const uint NSG = 8;
// Decode on GPUs (flash decoding): SPLITS workgroups per query head along y, each over an equal share of the visible
// keys, so a step has heads x SPLITS workgroups instead of heads (14 for Qwen2.5-0.5B, too few to fill a GPU). Each
// writes its unnormalized partial (acc[DH], running max m, sum l; PSTRIDE floats) and attention_merge.comp combines
// them. 1: one workgroup per (token, head) writes the output itself.
layout(constant_id = 3) const uint SPLITS = 1;
#include "attention_partials.glsl"
#include "reduce.glsl"
#include "online_softmax.glsl"
#include "rope.glsl"
#include "rms.glsl"
#include "kv_cache.glsl"

// One block per variant, in the order of AttentionKernel's PushBlock, RopeKvPushBlock and RopeKvNormPushBlock (whose
// attributes name them by occurrence). positions: rows of the rope table; eps: the q/k norms' epsilon.
#if !defined(ROPE_KV)
layout(push_constant) uniform Push { uint heads_q; uint heads_kv; uint cache_rows; uint window; float scale; } p;
#elif !defined(QK_NORM)
layout(push_constant) uniform Push { uint heads_q; uint heads_kv; uint cache_rows; uint window; float scale; uint positions; } p;
#else
layout(push_constant) uniform Push { uint heads_q; uint heads_kv; uint cache_rows; uint window; float scale; uint positions; float eps; } p;
#endif

#if defined(ROPE_KV) && defined(TEXEL_LOADS)
// CPU drivers: the queries and keys, the rope table and the values arrive as texel buffers too (4 floats per texel),
// and every invocation rotates the whole query and this step's key in registers. Shared memory, barriers and
// storage-buffer accesses are loops over the SIMD lanes on lavapipe (about 0.1-0.3 us each per subgroup); this
// prologue had ~60 of them per workgroup and cost 80-110 us of a dispatch that takes ~300 us at position 0.
layout(binding = 0) uniform usamplerBuffer qk4t;
#define LOAD_QK4(i) uintBitsToFloat(texelFetch(qk4t, int(i)))
#else
layout(binding = 0) readonly buffer Q { float q[]; };
#endif
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
#ifdef ROPE_KV
#ifdef TEXEL_LOADS
layout(binding = 4) uniform usamplerBuffer table4t;  // RopeTable: [positions, DH / 2, (cos, sin)]
layout(binding = 5) uniform usamplerBuffer v4t;      // [Hkv, DH], this step's values
#else
layout(binding = 4) readonly buffer T { float table[]; };  // RopeTable: [positions, DH / 2, (cos, sin)]
layout(binding = 5) readonly buffer V { float v_now[]; };  // [Hkv, DH], this step's values
#endif
#ifdef QK_NORM
// Qwen3's per-head RMSNorm of q and k before RoPE, with its two weights [DH] (fp16): 8 halves per texel.
#ifdef TEXEL_LOADS
layout(binding = 6) uniform usamplerBuffer qnw8t;
layout(binding = 7) uniform usamplerBuffer knw8t;
#else
layout(binding = 6) readonly buffer QNW { float16_t qnw[]; };
layout(binding = 7) readonly buffer KNW { float16_t knw[]; };
#endif
#define B_OUT 8
#else
#define B_OUT 6
#endif
layout(binding = B_OUT) writeonly buffer O { float o[]; };
layout(binding = B_OUT) writeonly buffer O4 { vec4 o4[]; };
layout(binding = B_OUT + 1) writeonly buffer KW { float16_t kw[]; };
layout(binding = B_OUT + 2) writeonly buffer VW { float16_t vw[]; };
layout(binding = B_OUT + 1) writeonly buffer KW8 { uvec4 kw8[]; };  // 8 halves: a cache row starts 16-byte aligned (DH % 8 == 0)
layout(binding = B_OUT + 2) writeonly buffer VW8 { uvec4 vw8[]; };
shared float k_sh[DH];
shared float v_sh[DH];
#else
layout(binding = 4) writeonly buffer O { float o[]; };
layout(binding = 4) writeonly buffer O4 { vec4 o4[]; };
#endif

shared float q_sh[DH];
shared float acc_sh[NSG * DH];

void main() {
    uint h = gl_WorkGroupID.x;
    uint n = SPLITS > 1 ? 0 : gl_WorkGroupID.y;
    uint split = SPLITS > 1 ? gl_WorkGroupID.y : 0;
    uint tid = gl_LocalInvocationID.x;
    uint hk = h / (p.heads_q / p.heads_kv);
    uint pos = step[0] + n;
    uint obase = SPLITS > 1 ? (h * SPLITS + split) * PSTRIDE : (n * p.heads_q + h) * DH;
#ifdef ROPE_KV
    uint qbase = (n * (p.heads_q + p.heads_kv) + h) * DH;
    bool outside = pos >= p.cache_rows || pos >= p.positions;
#else
    uint qbase = (n * p.heads_q + h) * DH;
    bool outside = pos >= p.cache_rows;
#endif

    if (outside) {
        for (uint d = tid; d < (SPLITS > 1 ? PSTRIDE : DH); d += WG) o[obase + d] = uintBitsToFloat(NAN_BITS);
        return;
    }
#if defined(ROPE_KV) && defined(TEXEL_LOADS)
    // NeoX rotate_half pairs (i, i + DH/2), turned by rope.glsl; texel t (dims 4t .. 4t + 3) pairs with t + DH/8.
    const uint HALF = DH / 2;
    const uint T4 = DH / 4;
    uint kbase = (n * (p.heads_q + p.heads_kv) + p.heads_q + hk) * DH;
    vec4 qv[T4];
    vec4 kv[T4];  // this step's key and value, rounded to fp16 as the cache stores them
    vec4 vv[T4];
    for (uint t = 0; t < T4; t++) {
        qv[t] = LOAD_QK4(qbase / 4 + t);
        kv[t] = LOAD_QK4(kbase / 4 + t);
    }
#ifdef QK_NORM
    // Every invocation holds the whole rows, so each takes the sums of squares itself: no reduction.
    float ssq = 0.0;
    float ssk = 0.0;
    for (uint t = 0; t < T4; t++) {
        ssq += dot(qv[t], qv[t]);
        ssk += dot(kv[t], kv[t]);
    }
    float rq = rms_scale(ssq, DH, p.eps);
    float rk = rms_scale(ssk, DH, p.eps);
    for (uint t8 = 0; t8 < DH / 8; t8++) {
        uvec4 gq = texelFetch(qnw8t, int(t8));
        uvec4 gk = texelFetch(knw8t, int(t8));
        qv[2 * t8] *= rq * vec4(unpackHalf2x16(gq.x), unpackHalf2x16(gq.y));
        qv[2 * t8 + 1] *= rq * vec4(unpackHalf2x16(gq.z), unpackHalf2x16(gq.w));
        kv[2 * t8] *= rk * vec4(unpackHalf2x16(gk.x), unpackHalf2x16(gk.y));
        kv[2 * t8 + 1] *= rk * vec4(unpackHalf2x16(gk.z), unpackHalf2x16(gk.w));
    }
#endif
    for (uint t = 0; t < T4 / 2; t++) {
        vec4 t0 = uintBitsToFloat(texelFetch(table4t, int(pos * HALF / 2 + 2 * t)));  // cos, sin of 4t, 4t + 1
        vec4 t1 = uintBitsToFloat(texelFetch(table4t, int(pos * HALF / 2 + 2 * t + 1)));
        vec4 c = vec4(t0.x, t0.z, t1.x, t1.z);
        vec4 sn = vec4(t0.y, t0.w, t1.y, t1.w);
        vec4 a = qv[t];
        vec4 b = qv[t + T4 / 2];
        qv[t] = ROPE_A(a, b, c, sn) * p.scale;
        qv[t + T4 / 2] = ROPE_B(a, b, c, sn) * p.scale;
        a = kv[t];
        b = kv[t + T4 / 2];
        kv[t] = vec4(f16vec4(ROPE_A(a, b, c, sn)));
        kv[t + T4 / 2] = vec4(f16vec4(ROPE_B(a, b, c, sn)));
    }
    for (uint t = 0; t < T4; t++)
        vv[t] = vec4(f16vec4(uintBitsToFloat(texelFetch(v4t, int((n * p.heads_kv + hk) * DH / 4 + t)))));
    if (h % (p.heads_q / p.heads_kv) == 0 && split == 0) {
        // Invocation i writes 8-half texel c0 + i of the row: one store each instead of one per element.
        uint dst8 = kv_cache_offset(hk, pos, p.cache_rows, DH) / 8;
        for (uint c0 = 0; c0 < DH / 8; c0 += WG) {
            uvec4 kp = uvec4(0);
            uvec4 vp = uvec4(0);
            for (uint d8 = c0; d8 < min(c0 + WG, DH / 8); d8++) {
                if (d8 == c0 + tid) {
                    kp = kv_pack8(kv[2 * d8], kv[2 * d8 + 1]);
                    vp = kv_pack8(vv[2 * d8], vv[2 * d8 + 1]);
                }
            }
            if (c0 + tid < DH / 8) {
                kw8[dst8 + c0 + tid] = kp;
                vw8[dst8 + c0 + tid] = vp;
            }
        }
    }
    uint end = pos;  // the current position comes from kv / vv, after the loop
#elif defined(ROPE_KV)
    // NeoX rotate_half pairs (i, i + DH/2), turned by rope.glsl.
    const uint HALF = DH / 2;
    uint kbase = (n * (p.heads_q + p.heads_kv) + p.heads_q + hk) * DH;
#ifdef QK_NORM
    // The RMS of the whole q and k rows first (a workgroup reduction), then RoPE of the normalized pairs.
    float ssq = 0.0;
    float ssk = 0.0;
    for (uint d = tid; d < DH; d += WG) {
        float a = q[qbase + d];
        float b = q[kbase + d];
        ssq += a * a;
        ssk += b * b;
    }
    float rq = rms_scale(wg_sum(ssq), DH, p.eps);
    float rk = rms_scale(wg_sum(ssk), DH, p.eps);
#define NORM_Q(d) (q[qbase + (d)] * rq * float(qnw[d]))
#define NORM_K(d) (q[kbase + (d)] * rk * float(knw[d]))
#else
#define NORM_Q(d) q[qbase + (d)]
#define NORM_K(d) q[kbase + (d)]
#endif
    for (uint i = tid; i < HALF; i += WG) {
        uint t = (pos * HALF + i) * 2;
        float c = table[t];
        float s = table[t + 1];
        float a = NORM_Q(i);
        float b = NORM_Q(i + HALF);
        q_sh[i] = ROPE_A(a, b, c, s) * p.scale;
        q_sh[i + HALF] = ROPE_B(a, b, c, s) * p.scale;
        a = NORM_K(i);
        b = NORM_K(i + HALF);
        k_sh[i] = float(float16_t(ROPE_A(a, b, c, s)));
        k_sh[i + HALF] = float(float16_t(ROPE_B(a, b, c, s)));
    }
    for (uint d = tid; d < DH; d += WG) v_sh[d] = float(float16_t(v_now[(n * p.heads_kv + hk) * DH + d]));
    barrier();
    if (h % (p.heads_q / p.heads_kv) == 0 && split == 0) {
        uint dst = kv_cache_offset(hk, pos, p.cache_rows, DH);
        for (uint d = tid; d < DH; d += WG) {
            kw[dst + d] = float16_t(k_sh[d]);
            vw[dst + d] = float16_t(v_sh[d]);
        }
    }
    uint end = pos;  // the current position comes from k_sh / v_sh, after the loop
#else
    for (uint d = tid; d < DH; d += WG) q_sh[d] = q[qbase + d] * p.scale;
    barrier();
    uint end = pos + 1;
#endif

    uint lo = (p.window > 0 && pos + 1 > p.window) ? pos + 1 - p.window : 0;
    float m = NO_MAX;
    float l = 0.0;
    float acc[DH];
    for (uint d = 0; d < DH; d++) acc[d] = 0.0;
#if !(defined(ROPE_KV) && defined(TEXEL_LOADS))
    // The query in registers: read once from shared memory instead of once per key.
    vec4 qv[(DH + 3) / 4];
    for (uint d4 = 0; d4 < DH / 4; d4++) qv[d4] = vec4(q_sh[4 * d4], q_sh[4 * d4 + 1], q_sh[4 * d4 + 2], q_sh[4 * d4 + 3]);
#endif

    // This workgroup's keys: all of [lo, end), or with splits its share (the last split also takes the current key).
    uint chunk = (end - lo + SPLITS - 1) / SPLITS;
    uint jlo = min(lo + split * chunk, end);
    uint jhi = min(jlo + chunk, end);
    for (uint j = jlo + tid; j < jhi; j += WG) {
        uint kb = kv_cache_offset(hk, j, p.cache_rows, DH);
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
        float keep, e;
        online_softmax_add(m, l, s, keep, e);
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
    }
#if defined(ROPE_KV) && defined(TEXEL_LOADS)
    // The current key, taken by the invocation whose turn it would have been (every invocation holds it).
    if (split == SPLITS - 1 && tid == (pos - lo) % WG) {
        float s = 0.0;
        for (uint t = 0; t < T4; t++) s += dot(qv[t], kv[t]);
        float keep, e;
        online_softmax_add(m, l, s, keep, e);
        for (uint t = 0; t < T4; t++)
            for (uint i = 0; i < 4; i++) acc[4 * t + i] = acc[4 * t + i] * keep + e * vv[t][i];
    }
#elif defined(ROPE_KV)
    // The current key, taken by the invocation whose turn it would have been.
    if (split == SPLITS - 1 && tid == (pos - lo) % WG) {
        float s = 0.0;
        for (uint d = 0; d < DH; d++) s += q_sh[d] * k_sh[d];
        float keep, e;
        online_softmax_add(m, l, s, keep, e);
        for (uint d = 0; d < DH; d++) acc[d] = acc[d] * keep + e * v_sh[d];
    }
#endif

    if (NSG == 1 && DH % 4 == 0) {
        // One subgroup per workgroup (CPU drivers): merge with subgroup operations only, no shared memory or
        // barrier, and invocation i stores 4-float texel c0 + i of the output.
        float rowMax = subgroupMax(m);
        float f = exp(m - rowMax);
        float total = subgroupAdd(l * f);
        for (uint c0 = 0; c0 < DH / 4; c0 += WG) {
            vec4 mine = vec4(0.0);
            for (uint d4 = c0; d4 < min(c0 + WG, DH / 4); d4++) {
                vec4 sum = vec4(subgroupAdd(acc[4 * d4] * f), subgroupAdd(acc[4 * d4 + 1] * f),
                                subgroupAdd(acc[4 * d4 + 2] * f), subgroupAdd(acc[4 * d4 + 3] * f));
                if (d4 == c0 + tid) mine = sum;
            }
            if (c0 + tid < DH / 4) o4[obase / 4 + c0 + tid] = SPLITS > 1 ? mine : mine / total;
        }
        if (SPLITS > 1 && tid == 0) {
            o[obase + P_MAX] = rowMax;
            o[obase + P_SUM] = total;
        }
        return;
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
        o[obase + d] = SPLITS > 1 ? t : t / total;
    }
    if (SPLITS > 1 && tid == 0) {
        o[obase + P_MAX] = rowMax;
        o[obase + P_SUM] = total;
    }
}
