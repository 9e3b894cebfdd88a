// Body of matmul.comp / matmul_bias.comp: y[n, col + m] = sum_k x[n, k] * W[m, k] (+ bias[m]) for prefill (N large).
//
// Why it looks like this: with many activation rows the work is compute-bound, so every loaded value must be reused
// many times. A workgroup stages a BM x BK tile of x and a BN x BK tile of W in shared memory (W converted to fp32
// once, at staging), then each invocation accumulates a TM x TN block of outputs in registers: per k it reads TM + TN
// shared values for TM * TN multiply-adds. All sizes are specialization constants chosen by the host
// (MatMulTiles): on GPUs 64 x 64 x 16 tiles with 4 x 4 blocks (256 invocations, 8.3 KiB of shared memory, far under
// the 32 KiB every device offers, and 64 x 64 tiles leave enough workgroups to fill a large GPU at prefill sizes);
// on lavapipe, where each shared-memory load is a loop over the SIMD lanes, 8 x 8 blocks halve the loads per FMA
// (1.5x faster measured). Tiles are stored k-major with one float of padding per k so that the staging writes
// (consecutive invocations walk along k) do not all hit one shared-memory bank. An invocation's outputs are strided
// by BM/TM rows and BN/TN columns, so neighbouring invocations read neighbouring shared words and write neighbouring
// columns of y. Edges (any N, M, K) are handled by zero-filling the tiles and bounds-checking the stores.
// Accumulation is fp32.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 256;  // = (BM / TM) * (BN / TN)
layout(constant_id = 1) const uint BM = 64;   // activation rows per tile
layout(constant_id = 2) const uint BN = 64;   // output features (rows of W) per tile
layout(constant_id = 3) const uint BK = 16;   // depth of one staged tile
layout(constant_id = 4) const uint TM = 4;    // activation rows per invocation
layout(constant_id = 5) const uint TN = 4;    // output features per invocation
// How W is stored (weights.glsl). Quantized W (K % 32 == 0) is dequantized 8 values at a time while staging its tile,
// so the products below are the same for every format; BK must then be a multiple of 8.
layout(constant_id = 6) const uint WFMT = 0;
layout(local_size_x_id = 0) in;

layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer W { float16_t w[]; };
layout(binding = 1) readonly buffer W8 { uvec4 w8[]; };
#define LOAD_W8(i) w8[i]
#define W_HALF(h) float(w[h])
#include "weights.glsl"
#ifdef HAS_BIAS
layout(binding = 2) readonly buffer Bias { float16_t bias[]; };
layout(binding = 3) writeonly buffer Y { float y[]; };
#else
layout(binding = 2) writeonly buffer Y { float y[]; };
#endif
layout(push_constant) uniform Push { uint N; uint M; uint K; uint rowStride; uint col; } p;

const uint XS = BM + 1;  // padded k-major strides
const uint WS = BN + 1;
shared float xs[BK * XS];
shared float ws[BK * WS];

void main() {
    uint tid = gl_LocalInvocationID.x;
    uint tx = tid % (BN / TN);
    uint ty = tid / (BN / TN);
    uint n0 = gl_WorkGroupID.y * BM;
    uint m0 = gl_WorkGroupID.x * BN;

    float acc[TM * TN];
    for (uint i = 0; i < TM * TN; i++) acc[i] = 0.0;

    for (uint k0 = 0; k0 < p.K; k0 += BK) {
        for (uint i = tid; i < BM * BK; i += WG) {
            uint r = i / BK, c = i % BK;
            uint n = n0 + r, k = k0 + c;
            xs[c * XS + r] = (n < p.N && k < p.K) ? x[n * p.K + k] : 0.0;
        }
        if (WFMT == WF_F16) {
            for (uint i = tid; i < BN * BK; i += WG) {
                uint r = i / BK, c = i % BK;
                uint m = m0 + r, k = k0 + c;
                ws[c * WS + r] = (m < p.M && k < p.K) ? float(w[m * p.K + k]) : 0.0;
            }
        } else {
            for (uint i = tid; i < BN * BK / 8; i += WG) {
                uint r = i / (BK / 8), c = i % (BK / 8) * 8;
                uint m = m0 + r, k = k0 + c;
                vec4 a = vec4(0.0), b = vec4(0.0);
                if (m < p.M && k < p.K) wf_load8(m, k, p.K, a, b);
                for (uint j = 0; j < 4; j++) {
                    ws[(c + j) * WS + r] = a[j];
                    ws[(c + 4 + j) * WS + r] = b[j];
                }
            }
        }
        barrier();
        for (uint kk = 0; kk < BK; kk++) {
            float a[TM];
            float b[TN];
            for (uint i = 0; i < TM; i++) a[i] = xs[kk * XS + ty + i * (BM / TM)];
            for (uint j = 0; j < TN; j++) b[j] = ws[kk * WS + tx + j * (BN / TN)];
            for (uint i = 0; i < TM; i++)
                for (uint j = 0; j < TN; j++) acc[i * TN + j] = fma(a[i], b[j], acc[i * TN + j]);
        }
        barrier();
    }

    for (uint j = 0; j < TN; j++) {
        uint m = m0 + tx + j * (BN / TN);
        if (m >= p.M) continue;
#ifdef HAS_BIAS
        float bm = float(bias[m]);
#else
        float bm = 0.0;
#endif
        for (uint i = 0; i < TM; i++) {
            uint n = n0 + ty + i * (BM / TM);
            if (n < p.N) y[n * p.rowStride + p.col + m] = acc[i * TN + j] + bm;
        }
    }
}
