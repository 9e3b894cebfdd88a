namespace QwenVk.Tests;

/// <summary>The repository root (the folder holding QwenVk.sln), found by walking up from the test binaries.</summary>
static class RepoPaths
{
    public static string Root { get; } = Find();

    static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "QwenVk.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("QwenVk.sln not found above " + AppContext.BaseDirectory);
    }

    public static string Fixture(params string[] parts) => Path.Combine([Root, "tests", "fixtures", .. parts]);

    public static string ReferenceModel(string name) => Fixture("reference-models", name);
}
