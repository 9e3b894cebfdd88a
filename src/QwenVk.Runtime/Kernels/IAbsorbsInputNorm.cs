namespace QwenVk.Runtime.Kernels;

/// <summary>A kernel that can take the RMSNorm (without weight) producing its first input into itself, normalizing
/// each row of that input on the way in. The graph compiler's fusion pass asks; null means "not in this
/// configuration".</summary>
public interface IAbsorbsInputNorm
{
    Kernel? AbsorbInputNorm(float eps);
}
