using System.Reflection;
using System.Security.Cryptography;

namespace QwenVk.Cli;

/// <summary>`--demo`: brown-qwen2-tiny (tests/fixtures/brown-qwen2-tiny), a small Qwen2 trained on the Brown corpus,
/// embedded in the CLI and extracted once into the user's cache folder, so the demo runs anywhere, offline. The
/// files are the fixture's bytes: each is checked against its SHA-256 when extracted and whenever the cached copy is
/// used, so a truncated or edited copy is replaced rather than run.</summary>
static class DemoModel
{
    public const string Name = "brown-qwen2-tiny";

    /// <summary>Every file of the model and its SHA-256 (DemoModelTests checks them against the fixture folder).</summary>
    public static readonly IReadOnlyList<(string File, string Sha256)> Files =
    [
        ("config.json", "25deedd9e87b250f6b2988f1db08f94881a33b364763050bd801ef58511b99c1"),
        ("generation_config.json", "3af407549be3d22b935acdf67ba57bf6d39169b771f2bb97abceb2f80aa90bcc"),
        ("tokenizer.json", "c98b4220e4636fa60c87b2a268d8bf03d2391fbbd1014e22bac76940830d0733"),
        ("tokenizer_config.json", "d55801d4618675f75f78751f9245db9dd0c0bd3f5ee245633619feaa000cdd75"),
        ("model.safetensors", "293de2818f25cc17b1b2cd26dca3c3d1fe2ef314091f90ae64f20b1069c22b4e"),
    ];

    /// <summary>The model's folder, extracted first when missing or damaged. <paramref name="cacheRoot"/>: the
    /// cache folder (default XDG_CACHE_HOME, else ~/.cache); the model goes to CACHE/qwenvk/NAME-HASH.</summary>
    public static string Ensure(string? cacheRoot = null)
    {
        var root = cacheRoot ?? (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"));
        // The weights' hash in the name: a CLI with another demo model never mistakes this copy for its own.
        var folder = Path.Combine(root, "qwenvk", $"demo-{Name}-{Files.Single(f => f.File == "model.safetensors").Sha256[..12]}");
        if (IsIntact(folder)) return folder;

        Console.Error.WriteLine($"extracting the demo model ({Name}) to {folder} ...");
        var staging = $"{folder}.tmp-{Environment.ProcessId}";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var (file, sha) in Files)
            {
                using var source = Assembly.GetExecutingAssembly().GetManifestResourceStream($"demo/{file}")
                    ?? throw new InvalidDataException($"this qwenvk was built without its embedded demo file {file}; rebuild it from the repository (tests/fixtures/{Name}).");
                using (var target = File.Create(Path.Combine(staging, file)))
                    source.CopyTo(target);
                var got = Sha256(Path.Combine(staging, file));
                if (got != sha)
                    throw new InvalidDataException($"the demo file {file} extracted with SHA-256 {got}, expected {sha}; the qwenvk build is damaged: rebuild it, or check the disk under {root}.");
            }
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            try
            {
                Directory.Move(staging, folder);
            }
            catch (IOException) when (IsIntact(folder))
            {
                // Another qwenvk extracted it at the same time: theirs is as good as ours.
            }
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        if (!IsIntact(folder))
            throw new IOException($"the demo model extracted to {folder} does not read back intact; check the disk and permissions there, or set XDG_CACHE_HOME to another folder.");
        return folder;
    }

    static bool IsIntact(string folder) =>
        Files.All(f => File.Exists(Path.Combine(folder, f.File)) && Sha256(Path.Combine(folder, f.File)) == f.Sha256);

    public static string Sha256(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}
