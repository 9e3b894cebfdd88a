// Rotary position embedding, NeoX / rotate_half layout: dimension i of a head pairs with i + Dh/2, and the pair
// (a, b) turns by the angle whose (cos, sin) RopeTable holds at [position, i]. One pair of plain floats per call, so
// the same function serves an invocation's own pair read from a buffer (rope.comp, attention's storage path) and
// the pairs a texel-path invocation holds in registers, four per vec4 (attention_impl.glsl, ROPE_KV).
vec2 rope_rotate(vec2 ab, vec2 cosSin) {
    return vec2(ab.x * cosSin.x - ab.y * cosSin.y, ab.y * cosSin.x + ab.x * cosSin.y);
}
