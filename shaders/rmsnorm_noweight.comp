#version 450
// RMS norm without a weight (the weight is fused elsewhere or absent); the body is in rmsnorm.glsl.
#extension GL_GOOGLE_include_directive : require
#include "rmsnorm.glsl"
