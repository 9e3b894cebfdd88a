#version 450
// Appends this step's keys and values to the fp16 KV cache at rows step[0] .. step[0] + N - 1. The row offset is
// read from the step buffer so recorded command buffers replay unchanged each decode step. Rows outside the
// cache are never written (the host checks the position; the shader only refuses to write out of bounds).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "kv_cache.glsl"

layout(local_size_x = 256) in;
layout(binding = 0) readonly buffer K { float k[]; };
layout(binding = 1) readonly buffer V { float v[]; };
layout(binding = 2) readonly buffer S { uint step[]; };
layout(binding = 3) writeonly buffer KC { float16_t kc[]; };
layout(binding = 4) writeonly buffer VC { float16_t vc[]; };
layout(push_constant) uniform Push { uint n; uint heads; uint head_dim; uint cache_rows; } p;

void main() {
    uint i = flat_index(256);
    if (i >= p.n) return;
    uint d = i % p.head_dim;
    uint h = (i / p.head_dim) % p.heads;
    uint token = i / (p.head_dim * p.heads);
    uint pos = step[0] + token;
    if (pos >= p.cache_rows) return;
    uint dst = kv_cache_offset(h, pos, p.cache_rows, p.head_dim) + d;
    kc[dst] = float16_t(k[i]);
    vc[dst] = float16_t(v[i]);
}
