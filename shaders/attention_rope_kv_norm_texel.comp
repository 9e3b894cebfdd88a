#version 450
// attention_rope_kv_norm.comp reading through uniform texel buffers (CPU drivers, head_dim % 8 == 0).
// Design notes in attention_impl.glsl.
#define ROPE_KV
#define QK_NORM
#define TEXEL_LOADS
#extension GL_GOOGLE_include_directive : require
#include "attention_impl.glsl"
