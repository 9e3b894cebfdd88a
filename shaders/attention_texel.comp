#version 450
// attention.comp reading the K and V caches through uniform texel buffers (chosen on CPU drivers, head_dim % 8 == 0).
// Design notes in attention_impl.glsl.
#define TEXEL_LOADS
#extension GL_GOOGLE_include_directive : require
#include "attention_impl.glsl"
