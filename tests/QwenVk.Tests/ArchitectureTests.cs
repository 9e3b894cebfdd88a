using System.Text.RegularExpressions;

namespace QwenVk.Tests;

/// <summary>What docs/ARCHITECTURE.md says about where the Vulkan binding is used stays true.</summary>
public sealed class ArchitectureTests
{
    static IEnumerable<string> SourcesUsing(string folder, string text) =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, folder), "*.cs", SearchOption.AllDirectories)
            .Where(f => !Regex.IsMatch(f, @"[/\\](bin|obj)[/\\]"))
            .Where(f => File.ReadAllText(f).Contains(text))
            .Select(f => Path.GetRelativePath(RepoPaths.Root, f).Replace('\\', '/'));

    [Fact]
    public void SilkNetOutsideTheVulkanFolderIsOnlyWhereTheDocumentSaysAndNeverInTheModel()
    {
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "ARCHITECTURE.md"));
        foreach (var file in SourcesUsing("src/QwenVk.Runtime", "Silk.NET"))
        {
            if (file.StartsWith("src/QwenVk.Runtime/Vulkan/", StringComparison.Ordinal)) continue;
            var shortName = file["src/QwenVk.Runtime/".Length..];
            Assert.True(doc.Contains($"`{shortName}`"), $"{file} uses Silk.NET, but docs/ARCHITECTURE.md does not say so");
        }
        Assert.Empty(SourcesUsing("src/QwenVk.Model", "Silk.NET"));
        Assert.Empty(SourcesUsing("src/QwenVk.Cli", "Silk.NET"));
    }
}
