#version 450
// attention_rope_kv.comp with Qwen3's per-head RMSNorm of q and k (weights in bindings 6 and 7) before RoPE.
// Design notes in attention_impl.glsl.
#define ROPE_KV
#define QK_NORM
#extension GL_GOOGLE_include_directive : require
#include "attention_impl.glsl"
