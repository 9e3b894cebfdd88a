#version 450
// Row-wise argmax through storage-buffer loads (any row length). Design notes in argmax_impl.glsl.
#extension GL_GOOGLE_include_directive : require
#include "argmax_impl.glsl"
