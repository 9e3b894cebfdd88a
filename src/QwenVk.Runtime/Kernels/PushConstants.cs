using System.Runtime.InteropServices;

namespace QwenVk.Runtime.Kernels;

/// <summary>Packs push constants: a sequence of 32-bit values, as every kernel's push block is laid out.</summary>
public sealed class PushConstants
{
    readonly List<uint> _words = new();

    public PushConstants U(long v) { _words.Add(checked((uint)v)); return this; }
    public PushConstants F(float v) { _words.Add(BitConverter.SingleToUInt32Bits(v)); return this; }
    public byte[] ToArray() => MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(_words)).ToArray();
    public static implicit operator byte[](PushConstants p) => p.ToArray();
}
