using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace QwenVk.Runtime.Vulkan;

/// <summary>The SPIR-V modules compiled from shaders/*.comp at build time and embedded in this assembly.</summary>
public static class ShaderLibrary
{
    const string Prefix = "QwenVk.Shaders.";
    static readonly Assembly Assembly = typeof(ShaderLibrary).Assembly;
    static readonly Lazy<string> SetHashValue = new(ComputeSetHash);

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

    /// <summary>16 hex digits of a SHA-256 over every module's name and code. Anything keyed by it (the pipeline
    /// cache file) is left behind by a build whose shaders differ, instead of being read as if still valid.</summary>
    public static string SetHash => SetHashValue.Value;

    static string ComputeSetHash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[8];
        foreach (var name in Names)
        {
            var code = Load(name);
            var nameBytes = Encoding.UTF8.GetBytes(name);
            // Lengths in front of both, so no two different sets hash the same bytes.
            BitConverter.TryWriteBytes(length, (long)nameBytes.Length);
            hash.AppendData(length);
            hash.AppendData(nameBytes);
            BitConverter.TryWriteBytes(length, (long)code.Length);
            hash.AppendData(length);
            hash.AppendData(code);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
