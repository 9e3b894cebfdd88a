// One key joining a running softmax (flash attention, attention_impl.glsl): m is the largest score so far and l the
// sum of exp(score - m). Score s moves the maximum to m' = max(m, s), which rescales every earlier weight by
// keep = exp(m - m'), and weighs this key's value by e = exp(s - m'). Updates m and l and hands back keep and e; the
// caller applies acc = acc * keep + e * v to its accumulators itself, because they are arrays sized by a
// specialization constant, which glslang cannot pass to a function.
void online_softmax_add(inout float m, inout float l, float s, out float keep, out float e) {
    float mNew = max(m, s);
    keep = exp(m - mNew);
    e = exp(s - mNew);
    l = l * keep + e;
    m = mNew;
}
