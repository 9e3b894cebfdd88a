namespace QwenVk.Runtime.Kernels;

/// <summary>A kernel whose output is a stacked gate/up product (<see cref="SiluMulKernel.StackedBlockRows"/>) and can
/// take the stacked <see cref="SiluMulKernel"/> that reads it into itself (a gated MLP). The graph compiler's fusion pass asks; null means
/// "not in this configuration".</summary>
public interface IAbsorbsSwiGlu
{
    Kernel? AbsorbSwiGlu();
}
