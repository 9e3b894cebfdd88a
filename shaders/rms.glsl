// RMSNorm's factor 1 / sqrt(mean(x^2) + eps) from the sum of squares of a row of n elements. Every RMSNorm scales by
// it (rmsnorm.glsl, the norm matvec_impl.glsl takes in, attention's q/k norms for Qwen3), however it summed the
// squares: a workgroup reduction, one invocation's registers, or along a product's K loop.
float rms_scale(float sumSquares, uint n, float eps) {
    return 1.0 / sqrt(sumSquares / float(n) + eps);
}
