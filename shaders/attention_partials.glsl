// The partials split decode attention (attention_impl.glsl, SPLITS > 1) writes and attention_merge.comp reads, one
// per (query head, split): the unnormalized output acc[DH], then the running max m and the sum of exponentials l,
// then two unused floats that keep every partial 16-byte aligned (AttentionKernel.PartialsType on the host).
// Include after declaring DH.
const uint PSTRIDE = DH + 4;
const uint P_MAX = DH;      // offset of m in a partial
const uint P_SUM = DH + 1;  // offset of l
