// Shared by every kernel: the extensions the runtime requires (fp16 storage + arithmetic, subgroup arithmetic).
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

// Flat invocation index over a 2D grid of workgroups: large element counts exceed maxComputeWorkGroupCount[0].
// wg must be the real workgroup width. Do not pass gl_WorkGroupSize.x when the size comes from local_size_x_id:
// glslc -O folds it to the default (1). Declare `layout(constant_id = 0) const uint WG = ...;` beside
// `layout(local_size_x_id = 0) in;` (the same id) and use WG instead.
uint flat_index(uint wg) {
    return gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * wg;
}

// The NaN kernels write where there is no answer (a position past the cache or the rope table), as bits: float
// arithmetic need not carry NaNs through, and readers compare these bits to tell the marker from a value.
const uint NAN_BITS = 0x7FC00000u;

// A running maximum's start: large, finite and negative, since Vulkan does not promise infinities survive.
const float NO_MAX = -3.0e38;

// silu(x) = x * sigmoid(x), written so exp never overflows (exp of a non-positive argument only): Vulkan does not
// promise infinities survive arithmetic unless the device opts in.
float silu(float x) {
    float e = exp(-abs(x));
    float sig = x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    return x * sig;
}
