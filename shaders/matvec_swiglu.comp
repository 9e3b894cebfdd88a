#version 450
// matvec.comp with the MLP's SwiGLU activation taken in: W holds gate and up rows in alternating blocks (2M rows)
// and y = silu(x gate^T) * (x up^T). Design notes in matvec_impl.glsl.
#define SWIGLU
#extension GL_GOOGLE_include_directive : require
#include "matvec_impl.glsl"
