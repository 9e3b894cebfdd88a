#version 450
// Row-wise softmax, numerically stable. One workgroup per row (rows reach 151936 logits): each invocation keeps
// an online (running max, running sum) over its strided elements, so the row is read twice (stats, then output)
// instead of three times; the per-invocation pairs merge through the workgroup max and sum.
// The running max starts at a large finite negative rather than -inf: Vulkan does not promise infinities survive.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 256;
#include "reduce.glsl"

layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) writeonly buffer O { float o[]; };
layout(push_constant) uniform Push { uint rows; uint cols; } p;

void main() {
    uint row = wg_row();
    if (row >= p.rows) return;
    uint base = row * p.cols;
    uint tid = gl_LocalInvocationID.x;

    float m = NO_MAX;
    float l = 0.0;
    for (uint c = tid; c < p.cols; c += WG) {
        float v = x[base + c];
        float mNew = max(m, v);
        l = l * exp(m - mNew) + exp(v - mNew);
        m = mNew;
    }
    float rowMax = wg_max(m);
    float rowSum = wg_sum(l * exp(m - rowMax));
    float inv = 1.0 / rowSum;
    for (uint c = tid; c < p.cols; c += WG) o[base + c] = exp(x[base + c] - rowMax) * inv;
}
