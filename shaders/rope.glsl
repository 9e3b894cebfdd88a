// Rotary position embedding, NeoX / rotate_half layout: dimension i of a head pairs with i + Dh/2, and the pair
// (a, b) turns by the angle whose cos c and sin s RopeTable holds at [position, i], becoming (ROPE_A, ROPE_B) =
// (a c - b s, b c + a s).
// Macros, not a function: rope.comp and attention's storage path turn one pair of floats per invocation, the texel
// path four pairs per vec4 in registers, and a GLSL function cannot take both types. A float function called per
// component of those vec4s (their components indexed in a loop) made lavapipe's decode attention slower: split
// ctx512 1296 us against 891 (kernels bench, alternating runs).
#define ROPE_A(a, b, c, s) ((a) * (c) - (b) * (s))
#define ROPE_B(a, b, c, s) ((b) * (c) + (a) * (s))
