#version 450
// matvec_swiglu.comp reading x and W through uniform texel buffers (chosen on CPU drivers, K % 8 == 0). Design notes
// in matvec_impl.glsl.
#define SWIGLU
#define TEXEL_LOADS
#extension GL_GOOGLE_include_directive : require
#include "matvec_impl.glsl"
