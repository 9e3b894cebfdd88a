// The fp16 KV cache, one buffer for keys and one for values: [kv heads, cache rows, Dh], row pos of a head holding
// position pos. kv_append.comp and attention's ROPE_KV paths write this step's rows, attention reads the earlier ones.
uint kv_cache_offset(uint head, uint pos, uint cacheRows, uint headDim) {
    return (head * cacheRows + pos) * headDim;
}

// Elements 8i .. 8i + 7 of a row, lo holding the first four, as the cache stores them: one 16-byte store (a row
// starts 16-byte aligned when Dh % 8 == 0).
uvec4 kv_pack8(vec4 lo, vec4 hi) {
    return uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw), packHalf2x16(hi.xy), packHalf2x16(hi.zw));
}
