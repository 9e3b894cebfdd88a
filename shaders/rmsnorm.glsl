// RMS norm body, y = x / sqrt(mean(x^2) + eps) (* w), shared by rmsnorm.comp (fp16 weight) and
// rmsnorm_noweight.comp. Two entry files rather than a specialization constant: without a weight the output
// moves to binding 1, and a pipeline whose code still names binding 2 (even in a branch specialized away)
// crashes lavapipe.
// One workgroup per row: rows are 896..8192 wide for the model's norms and 64..128 for Qwen3's per-head q/k
// norms, so the host picks a smaller workgroup for narrow rows rather than packing rows into subgroups.
// Each invocation rereads only the elements it summed, after the reduction's barrier, so out may alias x.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 256;
#include "reduce.glsl"
#include "rms.glsl"

layout(binding = 0) readonly buffer X { float x[]; };
#ifdef RMSNORM_WEIGHT
layout(binding = 1) readonly buffer W { float16_t w[]; };
layout(binding = 2) writeonly buffer O { float o[]; };
#else
layout(binding = 1) writeonly buffer O { float o[]; };
#endif
layout(push_constant) uniform Push { uint rows; uint cols; float eps; } p;

void main() {
    uint row = wg_row();
    if (row >= p.rows) return;
    uint base = row * p.cols;
    uint tid = gl_LocalInvocationID.x;

    float ss = 0.0;
    for (uint c = tid; c < p.cols; c += WG) {
        float v = x[base + c];
        ss += v * v;
    }
    float scale = rms_scale(wg_sum(ss), p.cols, p.eps);

    for (uint c = tid; c < p.cols; c += WG) {
#ifdef RMSNORM_WEIGHT
        o[base + c] = x[base + c] * scale * float(w[c]);
#else
        o[base + c] = x[base + c] * scale;
#endif
    }
}
