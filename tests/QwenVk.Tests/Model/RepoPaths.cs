namespace QwenVk.Tests.Model;

/// <summary>Locations inside the repository, found by walking up from the test binaries to QwenVk.sln.</summary>
static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string ReferenceModel(string name) => Path.Combine(Root, "tests", "fixtures", "reference-models", name);

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "QwenVk.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no QwenVk.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>A fresh temporary folder per test, deleted afterwards.</summary>
sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("qwenvk-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
