namespace QwenVk.Runtime.Kernels;

/// <summary>A kernel whose output is [gate | up] side by side and can take the <see cref="SiluMulKernel"/> of its two
/// halves into itself (the stacked gate/up product of a gated MLP). The graph compiler's fusion pass asks; null means
/// "not in this configuration".</summary>
public interface IAbsorbsSwiGlu
{
    Kernel? AbsorbSwiGlu();
}
