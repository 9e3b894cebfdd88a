// Body of matvec*.comp: y[n, col + m] = sum_k x[n, k] * W[m, k] (+ bias[m] or + residual[n, m]); or, with
// SWIGLU, y[n, m] = silu(x[n] . gate[m]) * (x[n] . up[m]) for W = gate and up rows stacked in alternating blocks of
// GLU_BLOCK rows (2M rows in all).
//
// Why it looks like this: decode multiplies one or two activation rows by a whole weight matrix, so the kernel is
// bound by reading W once. A subgroup owns RPS output rows: its lanes stride along K and one subgroupAdd per row
// reduces them, with no shared memory and no barrier. A workgroup holds several subgroups so small devices are not
// drowned in tiny workgroups. When K % 8 == 0 every row of W starts 16-byte aligned, so a lane reads 8 weights with
// one uvec4 load (unpackHalf2x16) and the matching 8 activations with two vec4 loads: fewer, wider loads is what a
// bandwidth-bound kernel lives on (on lavapipe each load is a loop over the SIMD lanes, so the count of loads is
// the cost). RPS > 1 lets one load of x serve several rows: on lavapipe RPS = 8 more than halved the time; GPUs use RPS = 1
// (x is cached, more subgroups in flight matter more), 2 for short rows (MatVecKernel.Geometry). Any other K takes
// the scalar loop. Rows are spread over subgroups by gl_SubgroupID / gl_NumSubgroups rather than assuming the
// host's subgroup size, because some drivers (Intel, AMD wave32/64) pick the size per pipeline. Accumulation is fp32.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 128;  // invocations per workgroup, a multiple of the subgroup size
layout(constant_id = 1) const uint ROWS = 8;  // output rows (of W) per workgroup
layout(constant_id = 2) const uint WIDE = 0;  // 1 when K % 8 == 0: uvec4 weight loads
layout(constant_id = 3) const uint RPS = 2;   // rows one subgroup computes together, sharing each load of x
// Activation rows (tokens) one subgroup computes together, sharing each load (and fp16 unpack) of W. 1 for decode.
// On CPU drivers prefill runs here with TOK = 8 instead of in the tiled matmul: loads per multiply-add drop 8-fold
// (2.95 GFLOP/s against the tiled kernel's 0.55-0.86 on lavapipe, 128x896x896, before texel loads and lane rows;
// 21-25 GFLOP/s with both).
layout(constant_id = 4) const uint TOK = 1;
// 1: each lane owns RPS rows of its own and walks the whole of K (needs WIDE), so no cross-lane reduction and one
// store serves a row per lane. Chosen on CPU drivers, where a subgroupAdd and a one-lane store are loops over the
// SIMD lanes that cost as much per row as ~9 iterations of the K loop (fitted from 896- vs 4864-wide rows). GPUs
// keep lanes along K (coalesced loads).
layout(constant_id = 5) const uint LANE_ROWS = 0;
// 1: x is RMS-normalized on the way in, y = W (x / sqrt(mean(x^2) + eps)): the RMSNorm before a projection taken
// into it (its weight folded into W's columns by the model), so it costs no dispatch. Every lane already reads all of
// x (lane rows) or its share (lanes along K), so the sum of squares rides along with the loads.
layout(constant_id = 6) const uint NORM_X = 0;
// SWIGLU: W holds GLU_BLOCK gate rows, then the GLU_BLOCK up rows of the same outputs, then the next block. Stacked
// [all gate; all up] put a lane's two rows of one output 8.7 MB apart and read 4864 x 896 at 4.4-5.6 GB/s against
// 6.5-8.6 for the plain product of the same bytes (docs/BENCHMARKS.md); with blocks of 8 (the lanes of a lavapipe
// subgroup) the lanes of one workgroup read one contiguous run of rows, as in the plain product, and it measured the
// same as it (lavapipe).
layout(constant_id = 7) const uint GLU_BLOCK = 8;
// 1 (lanes along K only): every subgroup of the workgroup works on the same RPS rows, each on its own stretches of K,
// and the shares are added through shared memory; subgroup 0 stores. For products with few rows on GPUs, where one
// subgroup per row set leaves most of the device idle (Qwen2.5-0.5B's 896-row products: 896 subgroups).
layout(constant_id = 8) const uint SPLIT_K = 0;
// How W is stored: fp16 or llama.cpp's q8_0 / q4_0 blocks (weights.glsl; C#: WeightFormat). Quantized weights take
// the WIDE path only (K % 32 == 0): each 16-byte load of W is 16 or 32 values sharing one scale.
layout(constant_id = 9) const uint WFMT = 0;
layout(local_size_x_id = 0) in;
shared float ksum_sh[WG * RPS * TOK * SPLIT_K + 1];  // [subgroup][RPS * TOK]; one float when unused
shared float kss_sh[WG * TOK * SPLIT_K + 1];

#ifdef TEXEL_LOADS
// x and W read as uniform texel buffers of 16-byte texels (WIDE only). On lavapipe a storage-buffer load is a
// branchy loop over the SIMD lanes per 32-bit component; a texel fetch is one unrolled 16-byte load per lane, and
// this kernel is all loads: matvec 896 x 4864 went 0.86 -> 8.7 GB/s.
layout(binding = 0) uniform usamplerBuffer x4t;
layout(binding = 1) uniform usamplerBuffer w8t;
#define LOAD_X4(i) uintBitsToFloat(texelFetch(x4t, int(i)))
#define LOAD_W8(i) texelFetch(w8t, int(i))
#define W_HALF(h) wf_texel_half(texelFetch(w8t, int((h) / 8)), (h) % 8)
#else
// The same bindings seen as scalars (any K) and as 16-byte vectors (K % 8 == 0).
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(binding = 1) readonly buffer W { float16_t w[]; };
layout(binding = 1) readonly buffer W8 { uvec4 w8[]; };
#define LOAD_X4(i) x4[i]
#define LOAD_W8(i) w8[i]
#define W_HALF(h) float(w[h])
#endif
#include "weights.glsl"
#include "rms.glsl"
#if defined(HAS_BIAS)
layout(binding = 2) readonly buffer Bias { float16_t bias[]; };
layout(binding = 3) writeonly buffer Y { float y[]; };
#elif defined(HAS_RESIDUAL)
// y = x W^T + residual (the transformer's skip connection, taken in so it costs no dispatch of its own). Each y
// element is read from the residual and written by the same invocation, so the two may even share memory.
layout(binding = 2) readonly buffer Residual { float residual[]; };
layout(binding = 3) writeonly buffer Y { float y[]; };
#else
layout(binding = 2) writeonly buffer Y { float y[]; };
#endif
#ifdef SWIGLU
// The MLP's activation taken into the gate/up product, so it costs no dispatch and the 2M products never leave
// registers. Each output row needs two rows of W (its gate and its up row): a subgroup's or lane's RPS rows are
// RPS / 2 pairs, taken in turn (gate, up, gate, up, ...), so acc[i] and acc[i + TOK] are the two halves of one output.
const uint PAIR = 2;
#else
const uint PAIR = 1;
#endif
// rowStride: columns of y (Mtotal); col: first column this weight chunk writes.
layout(push_constant) uniform Push { uint N; uint M; uint K; uint rowStride; uint col; float eps; } p;

// One subgroup's (or lane's) work in flight: sums per (row, token), where each row of W and each token of x starts.
// Module scope because glslang cannot pass arrays sized by specialization constants to functions.
float acc[RPS * TOK];
uint wrow[RPS];
uint wsc[RPS];  // half index of each row's first scale (quantized W)
uint wzp[RPS];  // half index of each row's first zero point (q4_z, q8_z)
uint xrow[TOK];
float ss[TOK];  // sums of x^2 per token (NORM_X)

// acc[r * TOK + t] += the 8 products of W texel wrow[r] + i and x texels xrow[t] + 2i, 2i + 1 (K % 8 == 0 layout:
// wrow in 16-byte units, xrow in vec4s). Shared by both row layouts; loads of x serve RPS rows, loads of W TOK tokens.
void dot8(uint i) {
    vec4 a[TOK];
    vec4 b[TOK];
    for (uint t = 0; t < TOK; t++) {
        a[t] = LOAD_X4(xrow[t] + 2 * i);
        b[t] = LOAD_X4(xrow[t] + 2 * i + 1);
        if (NORM_X != 0) ss[t] += dot(a[t], a[t]) + dot(b[t], b[t]);
    }
    for (uint r = 0; r < RPS; r++) {
        uvec4 q = LOAD_W8(wrow[r] + i);
        vec4 wa = vec4(unpackHalf2x16(q.x), unpackHalf2x16(q.y));
        vec4 wb = vec4(unpackHalf2x16(q.z), unpackHalf2x16(q.w));
        for (uint t = 0; t < TOK; t++) acc[r * TOK + t] += dot(wa, a[t]) + dot(wb, b[t]);
    }
}

// dot8 for quantized W: unit i of each row holds WF_UNIT values (16 or 32) under one scale, and the matching x is
// WF_UNIT / 4 vec4s, taken 8 values at a time so x and the decoded weights stay in few registers.
void dot_quant(uint i) {
    uvec4 q[RPS];
    float d[RPS];
    float z[RPS];
    for (uint r = 0; r < RPS; r++) {
        q[r] = LOAD_W8(wrow[r] + i);
        d[r] = wf_unit_scale(wsc[r], i);
        z[r] = wf_unit_zero(wzp[r], i);
    }
    for (uint j = 0; j < WF_UNIT / 8; j++) {
        vec4 a[TOK];
        vec4 b[TOK];
        for (uint t = 0; t < TOK; t++) {
            a[t] = LOAD_X4(xrow[t] + i * (WF_UNIT / 4) + 2 * j);
            b[t] = LOAD_X4(xrow[t] + i * (WF_UNIT / 4) + 2 * j + 1);
            if (NORM_X != 0) ss[t] += dot(a[t], a[t]) + dot(b[t], b[t]);
        }
        for (uint r = 0; r < RPS; r++) {
            vec4 wa, wb;
            wf_decode8(q[r], j, z[r], wa, wb);
            for (uint t = 0; t < TOK; t++) acc[r * TOK + t] += d[r] * (dot(wa, a[t]) + dot(wb, b[t]));
        }
    }
}

// One 16-byte unit of W per row: the format's dot.
void dot_unit(uint i) {
    if (WFMT == WF_F16) dot8(i);
    else dot_quant(i);
}

// Where row `row` of W starts (16-byte units for WIDE, halves otherwise) and, quantized, its first scale.
void set_wrow(uint r, uint row) {
    wrow[r] = WIDE != 0 ? wf_row_unit(row, p.K) : row * p.K;
    wsc[r] = WFMT != WF_F16 ? wf_row_scale(row, p.K) : 0;
    wzp[r] = wf_row_zero(row, p.K);
}

// The row of W that accumulator row r (of RPS) reads, for output row m (the caller clamps m to M - 1).
uint w_row(uint m, uint r) {
    return PAIR == 1 ? m : (m / GLU_BLOCK) * 2 * GLU_BLOCK + (r % PAIR) * GLU_BLOCK + m % GLU_BLOCK;
}

// 1 / RMS of token t's x (NORM_X), else 1; ss[t] must hold the whole row's sum of squares.
float x_scale(uint t) {
    return NORM_X != 0 ? rms_scale(ss[t], p.K, p.eps) : 1.0;
}

// Writes output (n, m) = v plus this variant's bias or residual, or silu(v) * u for SWIGLU (u: the up product).
// v and u are already scaled by x_scale. The caller checks m < M and n < N.
void store_y(uint n, uint m, float v, float u) {
#ifdef SWIGLU
    v = silu(v) * u;
#endif
#ifdef HAS_BIAS
    v += float(bias[m]);
#endif
#ifdef HAS_RESIDUAL
    v += residual[n * p.rowStride + p.col + m];
#endif
    y[n * p.rowStride + p.col + m] = v;
}

// y[n0 .. n0 + TOK, col + m0 .. m0 + RPS) for one subgroup. Rows past M re-read row M - 1 and tokens past N re-read
// token N - 1 (in bounds, never written) so the inner loop has no branch.
void rows_dot(uint n0, uint m0, uint lane, uint lanes, uint kpart, uint kparts) {
    for (uint i = 0; i < RPS * TOK; i++) acc[i] = 0.0;
    for (uint t = 0; t < TOK; t++) ss[t] = 0.0;
    for (uint r = 0; r < RPS; r++) set_wrow(r, w_row(min(m0 + r / PAIR, p.M - 1), r));
    for (uint t = 0; t < TOK; t++) xrow[t] = min(n0 + t, p.N - 1) * (WIDE != 0 ? p.K / 4 : p.K);
    if (WIDE != 0) {
        for (uint i = lane + kpart * lanes; i < p.K / WF_UNIT; i += lanes * kparts) dot_unit(i);
    }
#ifndef TEXEL_LOADS
    else {
        for (uint k = lane + kpart * lanes; k < p.K; k += lanes * kparts) {
            float a[TOK];
            for (uint t = 0; t < TOK; t++) {
                a[t] = x[xrow[t] + k];
                if (NORM_X != 0) ss[t] += a[t] * a[t];
            }
            for (uint r = 0; r < RPS; r++) {
                float wv = float(w[wrow[r] + k]);
                for (uint t = 0; t < TOK; t++) acc[r * TOK + t] += a[t] * wv;
            }
        }
    }
#endif
    if (SPLIT_K != 0) {
        // Add the subgroups' shares of K; lane 0 of every subgroup then holds the whole sums, the other lanes zero,
        // so the reductions below give the totals as they do unsplit.
        barrier();  // the previous rows' reads of the shared sums are done
        for (uint i = 0; i < RPS * TOK; i++) {
            float s = subgroupAdd(acc[i]);
            if (subgroupElect()) ksum_sh[kpart * RPS * TOK + i] = s;
        }
        for (uint t = 0; t < TOK; t++) {
            float s = NORM_X != 0 ? subgroupAdd(ss[t]) : 0.0;
            if (subgroupElect()) kss_sh[kpart * TOK + t] = s;
        }
        barrier();
        for (uint i = 0; i < RPS * TOK; i++) {
            float s = 0.0;
            for (uint k = 0; k < kparts; k++) s += ksum_sh[k * RPS * TOK + i];
            acc[i] = lane == 0 ? s : 0.0;
        }
        for (uint t = 0; t < TOK; t++) {
            float s = 0.0;
            for (uint k = 0; k < kparts; k++) s += kss_sh[k * TOK + t];
            ss[t] = lane == 0 ? s : 0.0;
        }
    }
    if (NORM_X != 0)
        for (uint t = 0; t < TOK; t++) ss[t] = subgroupAdd(ss[t]);
    // Output j (of RPS / PAIR) goes to lane j % lanes, and each run of `lanes` outputs leaves in one store with
    // every lane writing its own: on CPU drivers a store is a loop over the SIMD lanes however many are active,
    // so one per row from lane 0 cost the 896-row down projection ~40 us of ~1000 for its residual reads alone.
    const uint OUTS = RPS / PAIR;
    for (uint t = 0; t < TOK; t++) {
        float sc = x_scale(t);
        uint n = n0 + t;
        float v = 0.0;
        float u = 0.0;
        for (uint j = 0; j < OUTS; j++) {
            uint r = j * PAIR;
            float vj = subgroupAdd(acc[r * TOK + t]) * sc;
            float uj = PAIR == 2 ? subgroupAdd(acc[(r + 1) * TOK + t]) * sc : 0.0;
            if (j % lanes == lane) {
                v = vj;
                u = uj;
            }
            if (j % lanes == lanes - 1 || j == OUTS - 1) {
                uint m = m0 + j - j % lanes + lane;
                if (kpart == 0 && lane <= j % lanes && m < p.M && n < p.N) store_y(n, m, v, u);
            }
        }
    }
}

// Output rows m0 + lane + j * lanes (j < RPS / PAIR) for this lane, tokens n0 .. n0 + TOK, K % 8 == 0. x is the same for every
// lane, and each lane's sums are whole: no reduction.
void lane_rows_dot(uint n0, uint m0, uint lane, uint lanes) {
    for (uint i = 0; i < RPS * TOK; i++) acc[i] = 0.0;
    for (uint t = 0; t < TOK; t++) ss[t] = 0.0;
    for (uint r = 0; r < RPS; r++) set_wrow(r, w_row(min(m0 + lane + r / PAIR * lanes, p.M - 1), r));
    for (uint t = 0; t < TOK; t++) xrow[t] = min(n0 + t, p.N - 1) * (p.K / 4);
    for (uint i = 0; i < p.K / WF_UNIT; i++) dot_unit(i);
    for (uint r = 0; r < RPS; r += PAIR) {
        uint m = m0 + lane + r / PAIR * lanes;
        for (uint t = 0; t < TOK; t++) {
            uint n = n0 + t;
            float sc = x_scale(t);
            if (m < p.M && n < p.N) store_y(n, m, acc[r * TOK + t] * sc, PAIR == 2 ? acc[(r + 1) * TOK + t] * sc : 0.0);
        }
    }
}

void main() {
    uint lane = gl_SubgroupInvocationID;
    uint lanes = gl_SubgroupSize;
    // The loops over n and g only iterate more than once when the grid was capped at maxComputeWorkGroupCount.
    for (uint n = gl_WorkGroupID.y * TOK; n < p.N; n += gl_NumWorkGroups.y * TOK) {
        for (uint g = gl_WorkGroupID.x; g * ROWS < p.M; g += gl_NumWorkGroups.x) {
            uint span = (LANE_ROWS != 0 ? RPS * lanes : RPS) / PAIR;  // output rows one subgroup covers
            // With SPLIT_K the whole workgroup is one row set (ROWS = span) split along K.
            uint kparts = SPLIT_K != 0 ? gl_NumSubgroups : 1;
            uint kpart = SPLIT_K != 0 ? gl_SubgroupID : 0;
            uint sets = gl_NumSubgroups / kparts;
            for (uint r = gl_SubgroupID / kparts * span; r < ROWS; r += sets * span) {
                uint m0 = g * ROWS + r;
                if (m0 >= p.M) break;  // the same for the whole subgroup (workgroup with SPLIT_K): reductions stay uniform
                if (LANE_ROWS != 0 && WIDE != 0) lane_rows_dot(n, m0, lane, lanes);
                else rows_dot(n, m0, lane, lanes, kpart, kparts);
            }
        }
    }
}
