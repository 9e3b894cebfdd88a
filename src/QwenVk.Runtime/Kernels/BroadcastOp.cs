namespace QwenVk.Runtime.Kernels;

/// <summary>The operation of a row broadcast: out[r, c] = x[r, c] op v[c].</summary>
public enum BroadcastOp { Add, Mul }

/// <summary>A kernel that can take a following row broadcast into itself (matmul + bias add, RMSNorm + weight
/// multiply). The graph compiler's fusion pass asks; null means "not in this configuration".</summary>
public interface IAbsorbsRowBroadcast
{
    Kernel? Absorb(BroadcastOp op);
}

/// <summary>A kernel that can take a following <see cref="AddKernel"/> of its output and another tensor (the residual
/// connection) into itself. The graph compiler's fusion pass asks; null means "not in this configuration".</summary>
public interface IAbsorbsResidual
{
    Kernel? AbsorbResidual();
}

/// <summary>A kernel that is a row broadcast, so that the fusion pass can recognise it.</summary>
public interface IRowBroadcast
{
    BroadcastOp Op { get; }
}
