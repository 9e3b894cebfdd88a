// The weight-format axis, in one place: how a kernel reads a weight matrix W [rows, K] stored as fp16, in
// llama.cpp's q8_0 / q4_0 blocks or in the zero-point blocks q8_z / q4_z (C#: QwenVk.Runtime.Quantization.QuantizedLayout, which writes what this reads).
// The including shader declares the specialization constant WFMT (a WeightFormat code) and two loads over W's
// binding: LOAD_W8(u), the 16-byte unit u, and W_HALF(h), the fp16 at half index h (scales). Storage and texel
// bindings then share this code. Every format is read 16 bytes at a time, and a unit holds whole blocks' quants or
// half of one, so one scale serves the whole unit.
//
// Quantized layout: rows in groups of 8; a group holds its rows' quants (K bytes a row for q8_0, K / 2 for q4_0) and
// then their scales (K / 32 fp16 a row). 8 rows keep every group 16-byte aligned for any K that is a multiple of 32.
// q8_0: value = d * q (q int8). q4_0: block byte j holds values j (low nibble) and j + 16 (high), value = d * (q - 8).
// q8_z / q4_z (GPTQ, AWQ): the same quants unsigned, value = d * (q - z); after a group's scales come its zeros
// (K / 32 fp16 a row, integers held exactly), so a group is 8 x 1.125 K (q8_z) or 8 x 0.625 K (q4_z) bytes, still
// 16-byte aligned. q4_0 is q4_z with every z = 8, so one decode serves both.
const uint WF_F16 = 0;
const uint WF_Q8_0 = 1;
const uint WF_Q4_0 = 2;
const uint WF_Q4_Z = 3;
const uint WF_Q8_Z = 4;
const bool WF_ZEROS = WFMT == WF_Q4_Z || WFMT == WF_Q8_Z;
const bool WF_NIBBLES = WFMT == WF_Q4_0 || WFMT == WF_Q4_Z;

// fp16 number i (0..7) of a 16-byte texel, for W_HALF on texel bindings.
float wf_texel_half(uvec4 t, uint i) {
    return unpackHalf2x16(t[(i >> 1) & 3] >> ((i & 1) * 16)).x;
}

// Values of W one 16-byte unit holds.
const uint WF_UNIT = WF_NIBBLES ? 32 : WFMT == WF_F16 ? 8 : 16;

uint wf_quant_row_bytes(uint K) {
    return WF_NIBBLES ? K / 2 : K;
}

uint wf_group_start(uint row, uint K) {
    return (row / 8) * 8 * (wf_quant_row_bytes(K) + (WF_ZEROS ? 2 : 1) * (K / 16));
}

// The first 16-byte unit of row `row` (its quants, for a quantized format). Needs K % 8 == 0 (K % 32 quantized).
uint wf_row_unit(uint row, uint K) {
    if (WFMT == WF_F16) return row * (K / 8);
    return (wf_group_start(row, K) + (row % 8) * wf_quant_row_bytes(K)) / 16;
}

// Half index of row `row`'s first scale (quantized formats only).
uint wf_row_scale(uint row, uint K) {
    return (wf_group_start(row, K) + 8 * wf_quant_row_bytes(K) + (row % 8) * (K / 16)) / 2;
}

// Scale of unit i of a row whose first scale is at half index rowScale: 1 for fp16.
float wf_unit_scale(uint rowScale, uint i) {
    if (WFMT == WF_F16) return 1.0;
    return W_HALF(rowScale + i * WF_UNIT / 32);
}

// Half index of row `row`'s first zero (q4_z, q8_z); its zeros follow the group's scales as the scales follow the quants.
uint wf_row_zero(uint row, uint K) {
    return WF_ZEROS ? wf_row_scale(row, K) + 8 * (K / 32) : 0;
}

// Zero point of unit i (rowZero from wf_row_zero): 8 for q4_0, 0 for fp16 and q8_0 (signed quants).
float wf_unit_zero(uint rowZero, uint i) {
    if (WF_ZEROS) return W_HALF(rowZero + i * WF_UNIT / 32);
    return WFMT == WF_Q4_0 ? 8.0 : 0.0;
}

vec4 wf_int8x4(uint u) {
    return vec4((ivec4(u) << ivec4(24, 16, 8, 0)) >> 24);
}

vec4 wf_uint8x4(uint u) {
    return vec4((uvec4(u) >> uvec4(0, 8, 16, 24)) & 255u);
}

vec4 wf_nibbles(uint u, uint shift) {
    return vec4((uvec4(u) >> (uvec4(0, 8, 16, 24) + shift)) & 15u);
}

// Values 8j .. 8j + 7 (j < WF_UNIT / 8) of the unit q less the unit's zero point z, unscaled: in a, then b.
void wf_decode8(uvec4 q, uint j, float z, out vec4 a, out vec4 b) {
    if (WFMT == WF_Q8_0) {
        a = wf_int8x4(q[2 * j]);
        b = wf_int8x4(q[2 * j + 1]);
    } else if (WFMT == WF_Q8_Z) {
        a = wf_uint8x4(q[2 * j]) - z;
        b = wf_uint8x4(q[2 * j + 1]) - z;
    } else if (WF_NIBBLES) {
        // Values 0-7 and 8-15 are the low nibbles of bytes 0-7 and 8-15, values 16-31 the high nibbles.
        uint w = 2 * (j & 1);
        uint shift = 4 * (j >> 1);
        a = wf_nibbles(q[w], shift) - z;
        b = wf_nibbles(q[w + 1], shift) - z;
    } else {
        a = vec4(unpackHalf2x16(q.x), unpackHalf2x16(q.y));
        b = vec4(unpackHalf2x16(q.z), unpackHalf2x16(q.w));
    }
}

// Values k .. k + 7 of row `row` (k % 8 == 0), scaled.
void wf_load8(uint row, uint k, uint K, out vec4 a, out vec4 b) {
    uint i = k / WF_UNIT;
    wf_decode8(LOAD_W8(wf_row_unit(row, K) + i), (k % WF_UNIT) / 8, wf_unit_zero(wf_row_zero(row, K), i), a, b);
    if (WFMT != WF_F16) {
        float d = wf_unit_scale(wf_row_scale(row, K), i);
        a *= d;
        b *= d;
    }
}
