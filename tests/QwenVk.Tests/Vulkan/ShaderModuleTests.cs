using System.Diagnostics;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Tests.Vulkan;

public sealed class ShaderModuleTests
{
    public static TheoryData<string> Shaders() => new(ShaderLibrary.Names);

    [Fact]
    public void EveryShaderSourceIsEmbedded()
    {
        var sources = Directory.GetFiles(Path.Combine(RepoPaths.Root, "shaders"), "*.comp").Select(Path.GetFileNameWithoutExtension).Order();
        Assert.Equal(sources, ShaderLibrary.Names);
    }

    [Theory, MemberData(nameof(Shaders))]
    public void SpirvValAcceptsEmbeddedModule(string shader)
    {
        var file = Path.Combine(Path.GetTempPath(), $"qwenvk-{shader}-{Environment.ProcessId}.spv");
        File.WriteAllBytes(file, ShaderLibrary.Load(shader));
        try
        {
            var psi = new ProcessStartInfo("spirv-val", $"--target-env vulkan1.2 \"{file}\"") { RedirectStandardError = true, RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"spirv-val rejected {shader}: {output}");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
