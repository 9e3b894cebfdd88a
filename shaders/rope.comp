#version 450
// Rotary position embedding of x [N, H, Dh] into o. Design notes in rope_impl.glsl.
#extension GL_GOOGLE_include_directive : require
#include "rope_impl.glsl"
