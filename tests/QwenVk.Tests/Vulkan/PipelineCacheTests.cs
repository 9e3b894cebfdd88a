using QwenVk.Runtime;
using QwenVk.Runtime.Graph;
using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;
using QwenVk.Tests.Cli;

namespace QwenVk.Tests.Vulkan;

/// <summary>The pipeline cache kept between processes (<see cref="PipelineCacheFile"/>): written once a graph's
/// pipelines exist and on Dispose, read by the next context, a damaged or foreign file ignored and replaced, nothing
/// written when off. Temporary folders only: the test process turns the user's cache off (GpuFixture.cs).</summary>
[Collection("gpu")]
public sealed class PipelineCacheTests
{
    static VulkanContext Open(string folder, ListLogger? log = null) =>
        VulkanContext.Create(new ContextOptions { Validation = true, PipelineCacheFolder = folder, Logger = log });

    /// <summary>Compiles and runs a one-node graph, so the context creates a pipeline.</summary>
    static void CompileAGraph(VulkanContext ctx)
    {
        var type = TensorType.Of(DType.F32, 256);
        var g = new ComputeGraph("cache");
        var a = g.Input("a", type);
        var o = g.Output("o", type);
        g.Add("o", new AddKernel(), [a, a], [o]);
        using var ba = ctx.CreateBuffer(type.Bytes, "a");
        using var bo = ctx.CreateBuffer(type.Bytes, "o");
        ba.Upload<float>(Enumerable.Repeat(1.5f, 256).ToArray());
        using (var compiled = GraphCompiler.Compile(ctx, g, new Dictionary<GraphTensor, BufferRange> { [a] = ba, [o] = bo }))
            compiled.Run();
        Assert.Equal(3f, bo.Read<float>(1)[0]);
    }

    static void Close(VulkanContext ctx)
    {
        ctx.Dispose();
        Assert.True(ctx.Validation.Count == 0, "validation layer reported:\n" + string.Join("\n", ctx.Validation.Messages.Take(5)));
    }

    /// <summary>A folder holding a cache file written by a context that compiled a graph; returns the file.</summary>
    static string WriteAGoodCache(string folder)
    {
        var ctx = Open(folder);
        CompileAGraph(ctx);
        var path = ctx.PipelineCache.Path!;
        Close(ctx);
        return path;
    }

    [Fact]
    public void TheFileAppearsOnceAGraphIsCompiledAndTheNextContextLoadsIt()
    {
        using var dir = new TempDir();
        var first = Open(dir.Path);
        var path = first.PipelineCache.Path;
        Assert.NotNull(path);
        Assert.Equal(dir.Path, Path.GetDirectoryName(path));
        // Keyed by driver and shader set: another build or driver never reads this file.
        Assert.Contains(first.Capabilities.DriverVersion[2..], Path.GetFileName(path));
        Assert.Contains(ShaderLibrary.SetHash, Path.GetFileName(path));
        Assert.Equal(0, first.PipelineCache.LoadedBytes);
        Assert.False(File.Exists(path));

        CompileAGraph(first);
        Assert.True(first.PipelineCache.PipelinesCreated > 0);
        Assert.True(File.Exists(path), "the cache is written once a graph's pipelines are created, not only on Dispose");
        Close(first);
        Assert.Equal([path], Directory.GetFiles(dir.Path)); // no temporary file left behind

        var log = new ListLogger();
        var second = Open(dir.Path, log);
        Assert.Equal(path, second.PipelineCache.Path);
        Assert.Equal(new FileInfo(path).Length - PipelineCacheFile.PrefixBytes, second.PipelineCache.LoadedBytes);
        Assert.True(second.PipelineCache.LoadedBytes >= 32, "at least the driver's Vulkan header");
        Assert.DoesNotContain(log.Lines, l => l.Contains("ignoring"));
        CompileAGraph(second);
        Close(second);
    }

    /// <summary>How a good cache file is damaged, and a word the log line must hold about it.</summary>
    public static TheoryData<string, string> Damages => new()
    {
        { "garbage", "not a QwenVk pipeline cache" },
        { "empty", "truncated" },
        { "truncated", "truncated" },
        { "appended", "truncated or damaged" },
        { "flipped byte", "checksum" },
        { "other driver build", "pipelineCacheUUID" },
        { "other device", "made for device" },
        { "other vendor", "made for device" },
        { "header version 2", "version is 2" },
        { "header length past the data", "claims" },
    };

    static byte[] Damage(byte[] good, string how)
    {
        var data = good.AsSpan(PipelineCacheFile.PrefixBytes).ToArray();
        // The Vulkan header's damages keep our length and checksum right, so only the header check can catch them.
        byte[] Rewrapped(Action<byte[]> change)
        {
            change(data);
            return PipelineCacheFile.Wrap(data);
        }
        return how switch
        {
            "garbage" => Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 >> 3)).ToArray(),
            "empty" => [],
            "truncated" => good[..^1],
            "appended" => [.. good, 0],
            "flipped byte" => Flip(good, good.Length - 1),
            "other driver build" => Rewrapped(d => d[16] ^= 0x5a),
            "other device" => Rewrapped(d => d[12] ^= 1),
            "other vendor" => Rewrapped(d => d[8] ^= 1),
            "header version 2" => Rewrapped(d => d[4] = 2),
            "header length past the data" => Rewrapped(d => BitConverter.TryWriteBytes(d.AsSpan(0, 4), d.Length + 1)),
            _ => throw new ArgumentException(how),
        };
    }

    static byte[] Flip(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] ^= 0x01;
        return copy;
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void ADamagedOrForeignFileIsIgnoredAndReplaced(string damage, string reason)
    {
        using var dir = new TempDir();
        var path = WriteAGoodCache(dir.Path);
        var good = File.ReadAllBytes(path);
        File.WriteAllBytes(path, Damage(good, damage));

        var log = new ListLogger();
        var ctx = Open(dir.Path, log);
        Assert.Equal(0, ctx.PipelineCache.LoadedBytes);
        Assert.Contains(log.Lines, l => l.Contains("ignoring the pipeline cache") && l.Contains(reason));
        CompileAGraph(ctx);
        Close(ctx);

        var next = Open(dir.Path);
        Assert.True(next.PipelineCache.LoadedBytes > 0, "the damaged file was replaced by a good one");
        Close(next);
    }

    [Fact]
    public void AnEmptyFolderNameTurnsItOff()
    {
        var ctx = VulkanContext.Create(new ContextOptions { Validation = true, PipelineCacheFolder = "" });
        Assert.Null(ctx.PipelineCache.Path);
        CompileAGraph(ctx);
        ctx.PipelineCache.Save();
        Close(ctx);
        Assert.Equal(0, ctx.PipelineCache.LoadedBytes);
    }

    [Fact]
    public void TheEnvironmentTurnsOffOnlyTheDefaultFolder()
    {
        // This process runs with QWENVK_PIPELINE_CACHE=0 (GpuFixture.cs).
        Assert.Equal("0", Environment.GetEnvironmentVariable("QWENVK_PIPELINE_CACHE"));
        Assert.Null(new ContextOptions().ResolvedPipelineCacheFolder);
        Assert.Null(new ContextOptions { PipelineCacheFolder = "" }.ResolvedPipelineCacheFolder);
        Assert.Equal("/some/folder", new ContextOptions { PipelineCacheFolder = "/some/folder" }.ResolvedPipelineCacheFolder);
    }

    /// <summary>The command line end to end: by default the cache goes to $XDG_CACHE_HOME/qwenvk/pipelines, and
    /// QWENVK_PIPELINE_CACHE=0 writes nothing there.</summary>
    [Fact]
    public void TheCommandLineUsesXdgCacheHomeAndTheSwitchTurnsItOff()
    {
        using var on = new TempDir();
        using var off = new TempDir();
        var args = new[] { "kernels", "test", "--filter", "add/n=257" };
        var r = CliRunner.Run(args, env: new Dictionary<string, string?> { ["XDG_CACHE_HOME"] = on.Path, ["QWENVK_PIPELINE_CACHE"] = "1" });
        Assert.True(r.ExitCode == 0, r.ToString());
        var folder = Path.Combine(on.Path, "qwenvk", "pipelines");
        Assert.True(Directory.Exists(folder) && Directory.GetFiles(folder).Length == 1, $"expected one cache file in {folder}\n{r}");

        r = CliRunner.Run(args, env: new Dictionary<string, string?> { ["XDG_CACHE_HOME"] = off.Path, ["QWENVK_PIPELINE_CACHE"] = "0" });
        Assert.True(r.ExitCode == 0, r.ToString());
        // Mesa and the validation layer keep caches of their own there; ours stays away.
        Assert.False(Directory.Exists(Path.Combine(off.Path, "qwenvk")), string.Join("\n", Directory.GetFileSystemEntries(off.Path)));
    }

    [Fact]
    public void AdoptedContextsKeepNoCacheUnlessTheHostNamesAFolder()
    {
        using var dir = new TempDir();
        var host = VulkanContext.Create(new ContextOptions { Validation = true, PipelineCacheFolder = "" });
        using (var adopted = VulkanContext.Adopt(host.Instance, host.PhysicalDevice, host.Device, host.Queue, host.QueueFamily))
        {
            Assert.Null(adopted.PipelineCache.Path);
            CompileAGraph(adopted);
        }
        using (var adopted = VulkanContext.Adopt(host.Instance, host.PhysicalDevice, host.Device, host.Queue, host.QueueFamily,
                   pipelineCacheFolder: dir.Path))
        {
            Assert.Equal(dir.Path, Path.GetDirectoryName(adopted.PipelineCache.Path));
            CompileAGraph(adopted);
        }
        Assert.Single(Directory.GetFiles(dir.Path));
        // Each adopted context destroyed its own VkPipelineCache: the host's device reports nothing left over.
        Close(host);
    }

    [Fact]
    public void AFolderThatCannotBeWrittenIsLoggedAndOtherwiseIgnored()
    {
        using var dir = new TempDir();
        // A file where the folder should be: unwritable even for root, which ignores permissions.
        var blocker = dir.File("not-a-folder");
        File.WriteAllText(blocker, "x");
        var log = new ListLogger();
        var ctx = Open(Path.Combine(blocker, "pipelines"), log);
        CompileAGraph(ctx);
        Close(ctx);
        Assert.Single(log.Lines, l => l.StartsWith("Warning") && l.Contains("could not write the pipeline cache"));
        Assert.Equal("x", File.ReadAllText(blocker));
    }

    /// <summary>Writers racing one another and a reader: every read sees one writer's whole contents, never part.</summary>
    [Fact]
    public async Task ConcurrentWritesNeverShowAReaderAHalfWrittenFile()
    {
        using var dir = new TempDir();
        var path = dir.File("cache.bin");
        var contents = Enumerable.Range(0, 2).Select(w => Enumerable.Repeat((byte)(w + 1), 4 << 20).ToArray()).ToArray();
        PipelineCacheFile.WriteAtomically(path, contents[0]);
        var stop = DateTime.UtcNow.AddSeconds(2);
        var writers = contents.Select(c => Task.Run(() =>
        {
            while (DateTime.UtcNow < stop) PipelineCacheFile.WriteAtomically(path, c);
        })).ToArray();
        int reads = 0;
        try
        {
            while (DateTime.UtcNow < stop)
            {
                var read = File.ReadAllBytes(path);
                reads++;
                Assert.True(read.Length == 4 << 20 && (read.AsSpan().IndexOfAnyExcept((byte)1) < 0 || read.AsSpan().IndexOfAnyExcept((byte)2) < 0),
                    $"read {read.Length} bytes, a mix or a part of the writers' contents");
            }
        }
        finally
        {
            // Before the folder goes, also when a read failed: a writer still running would put a file back.
            await Task.WhenAll(writers);
        }
        Assert.True(reads > 10, $"only {reads} reads");
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }
}
