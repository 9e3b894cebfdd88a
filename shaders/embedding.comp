#version 450
// Embedding gather: out[n, :] = table[ids[n] - rowOffset, :] for the ids this table chunk holds; other rows of out
// are left alone, so a vocabulary table split into row chunks (maxStorageBufferRange) is gathered by one dispatch
// per chunk into the same output. A pure copy, so it is bandwidth-bound: when D % 8 == 0 each invocation moves 8
// values with one uvec4 load and two vec4 stores instead of eight 2-byte loads. fp16 -> fp32 is exact.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint WIDE = 0;  // 1 when D % 8 == 0
// How the table is stored (weights.glsl): a quantized table (D % 32 == 0) is dequantized 8 values at a time.
layout(constant_id = 2) const uint WFMT = 0;
layout(local_size_x_id = 0) in;

layout(binding = 0) readonly buffer Ids { uint ids[]; };
layout(binding = 1) readonly buffer T { float16_t table[]; };
layout(binding = 1) readonly buffer T8 { uvec4 table8[]; };
#define LOAD_W8(i) table8[i]
#define W_HALF(h) float(table[h])
#include "weights.glsl"
layout(binding = 2) writeonly buffer O { float o[]; };
layout(binding = 2) writeonly buffer O4 { vec4 o4[]; };
// R: rows in this chunk; rowOffset: vocabulary id of its first row.
layout(push_constant) uniform Push { uint N; uint D; uint R; uint rowOffset; } p;

void main() {
    uint stride = gl_NumWorkGroups.x * WG;
    // Loops over n only iterate more than once when N exceeded maxComputeWorkGroupCount[1].
    for (uint n = gl_WorkGroupID.y; n < p.N; n += gl_NumWorkGroups.y) {
        uint id = ids[n];
        if (id < p.rowOffset || id - p.rowOffset >= p.R) continue;
        uint row = id - p.rowOffset;
        if (WIDE != 0) {
            uint d8 = p.D / 8;
            for (uint i = gl_GlobalInvocationID.x; i < d8; i += stride) {
                vec4 a, b;
                wf_load8(row, 8 * i, p.D, a, b);
                o4[n * (p.D / 4) + 2 * i] = a;
                o4[n * (p.D / 4) + 2 * i + 1] = b;
            }
        } else {
            for (uint i = gl_GlobalInvocationID.x; i < p.D; i += stride) o[n * p.D + i] = float(table[row * p.D + i]);
        }
    }
}
