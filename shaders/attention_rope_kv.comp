#version 450
// Decode attention that also ropes q and k and appends this step's key and value to the cache (storage-buffer loads).
// Design notes in attention_impl.glsl.
#define ROPE_KV
#extension GL_GOOGLE_include_directive : require
#include "attention_impl.glsl"
