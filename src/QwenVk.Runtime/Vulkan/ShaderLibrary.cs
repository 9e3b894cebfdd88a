using System.Reflection;

namespace QwenVk.Runtime.Vulkan;

/// <summary>The SPIR-V modules compiled from shaders/*.comp at build time and embedded in this assembly.</summary>
public static class ShaderLibrary
{
    const string Prefix = "QwenVk.Shaders.";
    static readonly Assembly Assembly = typeof(ShaderLibrary).Assembly;

    public static IEnumerable<string> Names => Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix) && n.EndsWith(".spv"))
        .Select(n => n[Prefix.Length..^4])
        .Order();

    public static byte[] Load(string name)
    {
        using var s = Assembly.GetManifestResourceStream(Prefix + name + ".spv")
            ?? throw new InvalidOperationException($"no embedded shader '{name}': is shaders/{name}.comp missing? Known: {string.Join(", ", Names)}");
        var bytes = new byte[s.Length];
        s.ReadExactly(bytes);
        return bytes;
    }
}
