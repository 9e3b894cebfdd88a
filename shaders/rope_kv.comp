#version 450
// Rotary position embedding of q and k side by side, writing the rotated keys and the values to the KV cache as well
// (decode: RoPE and kv_append in one dispatch). Design notes in rope_impl.glsl.
#define APPEND_KV
#extension GL_GOOGLE_include_directive : require
#include "rope_impl.glsl"
