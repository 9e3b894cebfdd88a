using System.Runtime.InteropServices;

namespace QwenVk.Runtime.Kernels;

/// <summary>Marks a struct as the C# twin of a shader's push-constant block (`layout(push_constant) uniform Push
/// { ... }` in <see cref="File"/>): the same fields, in the same order, with the same names (case and underscores
/// aside) and 32-bit types. ShaderLayoutTests reads the GLSL and fails on any difference, and on a shader whose block
/// has no twin, so the two sides cannot silently disagree (ggml-vulkan's static_asserts, checked from C#).</summary>
[AttributeUsage(AttributeTargets.Struct, AllowMultiple = true)]
public sealed class GlslPushConstantsAttribute(string file) : Attribute
{
    public string File { get; } = file;
    /// <summary>Which block of the file, when preprocessor branches declare several (0: the first).</summary>
    public int Occurrence { get; init; }
}

/// <summary>Marks a struct as the C# twin of a shader's specialization constants (`layout(constant_id = i) const
/// TYPE NAME` in <see cref="File"/>): field i is constant_id i, same name and type; checked like
/// <see cref="GlslPushConstantsAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Struct, AllowMultiple = true)]
public sealed class GlslSpecializationAttribute(string file) : Attribute
{
    public string File { get; } = file;
}

/// <summary>Turns the named layout structs into what a <see cref="KernelDispatch"/> carries.</summary>
public static class ShaderLayout
{
    /// <summary>The push-constant bytes of <paramref name="block"/> (sequential 32-bit fields, as std430 packs them).</summary>
    public static byte[] Push<T>(in T block) where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in block)).ToArray();

    /// <summary>The specialization constants of <paramref name="constants"/>, constant_id 0 first.</summary>
    public static uint[] Specialization<T>(in T constants) where T : unmanaged =>
        MemoryMarshal.Cast<byte, uint>(MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in constants))).ToArray();
}
