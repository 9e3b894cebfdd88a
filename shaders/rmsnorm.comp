#version 450
// RMS norm with an fp16 weight [D]; the body and its design notes are in rmsnorm.glsl.
#extension GL_GOOGLE_include_directive : require
#define RMSNORM_WEIGHT
#include "rmsnorm.glsl"
