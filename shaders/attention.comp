#version 450
// Causal grouped-query attention over the fp16 KV cache, storage-buffer loads. Design notes in attention_impl.glsl.
#extension GL_GOOGLE_include_directive : require
#include "attention_impl.glsl"
