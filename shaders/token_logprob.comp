#version 450
// Log-probability of one chosen token per row of logits: lp[r] = x[r, t] - log(sum_c exp(x[r, c])) with t = target[r].
// Perplexity needs only this number per scored position, so the host reads back one float per row instead of a
// 152k-wide row of logits. One workgroup per row, an online (running max, running sum) per invocation as in
// softmax.comp, merged through the workgroup: the row is read once. A target outside the row gets the NaN marker,
// never a number that could pass for a probability.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 256;
#include "reduce.glsl"

layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer T { uint target[]; };
layout(binding = 2) writeonly buffer O { float o[]; };
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
    if (tid != 0) return;
    uint t = target[row];
    // Subtract the max before adding the log: x[t] - rowMax is exact enough where x[t] and rowMax are both large.
    o[row] = t < p.cols ? (x[base + t] - rowMax) - log(rowSum) : uintBitsToFloat(NAN_BITS);
}
