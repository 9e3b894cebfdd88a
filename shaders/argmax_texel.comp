#version 450
// argmax.comp reading x through a uniform texel buffer (CPU drivers, rows of a multiple of 4). Design notes in
// argmax_impl.glsl.
#define TEXEL_LOADS
#extension GL_GOOGLE_include_directive : require
#include "argmax_impl.glsl"
