using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using QwenVk.Model.Generation;
using QwenVk.Model.Sampling;
using QwenVk.Runtime.Vulkan;
using QwenVk.Tools.Checkpoints;

namespace QwenVk.Tests.Native;

/// <summary>The C ABI (libqwenvk.so, qwenvk.h): the C sample's greedy tokens equal the C# API's, and every error path
/// returns -1/NULL with a message instead of crashing. The library is loaded into this process too (a NativeAOT
/// library carries its own runtime) for the error paths.</summary>
[Collection("gpu")]
public sealed class CAbiTests(NativeLibraryFixture f) : IClassFixture<NativeLibraryFixture>
{
    static string Model => RepoPaths.Fixture("brown-qwen2-tiny");

    static int[] ParseIds(string output, string prefix)
    {
        var line = output.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return [.. line[prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];
    }

    static async Task<(int[] Prompt, List<int> Ids, string Text)> CSharpGreedy(string text, int n)
    {
        using var engine = QwenEngine.Load(Model);
        var prompt = engine.Tokenizer.EncodeLiteral(text);
        var ids = new List<int>();
        var sb = new StringBuilder();
        await foreach (var t in engine.GenerateTokensAsync(prompt, new GenerationOptions { Sampling = SamplingOptions.Greedy, MaxNewTokens = n }))
        {
            ids.Add(t.Id);
            sb.Append(t.Text);
        }
        return (prompt, ids, sb.ToString());
    }

    [Fact]
    public async Task TheCSamplePrintsTheSameGreedyTokensAsTheCSharpApi()
    {
        const string text = "The jury said";
        var (code, stdout, stderr) = NativeLibraryFixture.Exec(f.Sample, [Model, "--text", text, "12"]);
        Assert.True(code == 0, $"sample failed ({code}):\n{stdout}\n{stderr}");
        Assert.DoesNotContain("validation", stderr, StringComparison.OrdinalIgnoreCase);

        var (prompt, ids, generated) = await CSharpGreedy(text, 12);
        Assert.Equal(prompt, ParseIds(stdout, "prompt:"));
        Assert.Equal(ids, ParseIds(stdout, "ids:"));
        Assert.NotEmpty(ids);
        Assert.Contains(generated, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnARandomQwen3CheckpointWithoutTokenizerTheCIdsEqualTheCSharpIds()
    {
        using var dir = new TempDir();
        CheckpointMaker.Make(new CheckpointSpec { Architecture = MakerArchitecture.Qwen3, DType = MakerDType.BF16, TieWordEmbeddings = false, HeadDim = 24, Seed = 14 }, dir.Path);
        int[] prompt = [1, 2, 3, 4, 5];
        var (code, stdout, stderr) = NativeLibraryFixture.Exec(f.Sample, [dir.Path, "--ids", string.Join(',', prompt), "8"]);
        Assert.True(code == 0, $"sample failed ({code}):\n{stdout}\n{stderr}");

        using var engine = QwenEngine.Load(dir.Path);
        var ids = new List<int>();
        await foreach (var t in engine.GenerateTokensAsync(prompt, new GenerationOptions { Sampling = SamplingOptions.Greedy, MaxNewTokens = 8 }))
            ids.Add(t.Id);
        Assert.NotEmpty(ids); // fewer than 8 when greedy reaches an end-of-sequence id, in both
        Assert.Equal(ids, ParseIds(stdout, "ids:"));
    }

    [Fact]
    public void ReturningNonzeroFromTheCallbackStopsTheGeneration()
    {
        // Prompt given as ids (no tokenizer involved); the sample's callback returns 1 after 3 tokens.
        var (code, stdout, stderr) = NativeLibraryFixture.Exec(f.Sample, [Model, "--ids", "669,6786,853", "12", "3"]);
        Assert.True(code == 0, $"sample failed ({code}):\n{stdout}\n{stderr}");
        Assert.Equal(3, ParseIds(stdout, "ids:").Length);
    }

    [Fact]
    public void AMissingModelFolderFailsWithAnErrorLine()
    {
        var (code, _, stderr) = NativeLibraryFixture.Exec(f.Sample, [Path.Combine(Path.GetTempPath(), "qwenvk-no-such-model"), "--ids", "1,2", "3"]);
        Assert.Equal(1, code);
        Assert.Contains("error: qwenvk_engine_create:", stderr, StringComparison.Ordinal);
        Assert.Contains("model folder not found", stderr, StringComparison.Ordinal);
    }

    /// <summary>The library's exports, bound by name in this process.</summary>
    sealed unsafe class Api
    {
        public readonly delegate* unmanaged<byte*> Version;
        public readonly delegate* unmanaged<byte*> LastError;
        public readonly delegate* unmanaged<byte*, byte*, nint> Create;
        public readonly delegate* unmanaged<nint, nint, nint, nint, uint, byte*, byte*, nint> CreateAdopted;
        public readonly delegate* unmanaged<nint, byte*, int*, int, int> Tokenize;
        public readonly delegate* unmanaged<nint, int*, int, byte*, delegate* unmanaged<int, byte*, void*, int>, void*, int> Generate;
        public readonly delegate* unmanaged<nint, void> Free;

        public Api(string path)
        {
            var lib = NativeLibrary.Load(path);
            Version = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(lib, "qwenvk_version");
            LastError = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(lib, "qwenvk_last_error");
            Create = (delegate* unmanaged<byte*, byte*, nint>)NativeLibrary.GetExport(lib, "qwenvk_engine_create");
            CreateAdopted = (delegate* unmanaged<nint, nint, nint, nint, uint, byte*, byte*, nint>)NativeLibrary.GetExport(lib, "qwenvk_engine_create_adopted");
            Tokenize = (delegate* unmanaged<nint, byte*, int*, int, int>)NativeLibrary.GetExport(lib, "qwenvk_tokenize");
            Generate = (delegate* unmanaged<nint, int*, int, byte*, delegate* unmanaged<int, byte*, void*, int>, void*, int>)NativeLibrary.GetExport(lib, "qwenvk_generate");
            Free = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "qwenvk_engine_free");
        }

        public string? Error() => Marshal.PtrToStringUTF8((nint)LastError());
    }

    static readonly Dictionary<string, Api> Apis = [];

    Api Load()
    {
        lock (Apis)
        {
            if (!Apis.TryGetValue(f.Library, out var api)) Apis[f.Library] = api = new Api(f.Library);
            return api;
        }
    }

    static byte[] Z(string s) => Encoding.UTF8.GetBytes(s + "\0");

    static unsafe string AssertFailed(Api api)
    {
        var e = api.Error();
        Assert.False(string.IsNullOrEmpty(e), "qwenvk_last_error is empty after a failure");
        return e!;
    }

    [UnmanagedCallersOnly]
    static unsafe int Count(int id, byte* piece, void* user)
    {
        (*(int*)user)++;
        return 0;
    }

    [UnmanagedCallersOnly]
    static unsafe int Collect(int id, byte* piece, void* user)
    {
        var buffer = (int*)user; // [count, ids...] with room for 64
        if (buffer[0] < 64) buffer[1 + buffer[0]] = id;
        buffer[0]++;
        return 0;
    }

    [Fact]
    public async Task AnEngineOnAdoptedHandlesGeneratesLikeTheCSharpApiAndLeavesTheDeviceToItsOwner()
    {
        var api = Load();
        var (prompt, expected, _) = await CSharpGreedy("The jury said", 12);
        // This process's context; the library's Vulkan calls go through the same loader, so the handles are valid there.
        using var ctx = VulkanContext.Create(new ContextOptions { Validation = true });
        int[] generated = new int[65];
        unsafe
        {
            fixed (byte* model = Z(Model))
            fixed (byte* greedy = Z("{\"max_tokens\": 12, \"temperature\": 0}"))
            fixed (int* ids = prompt)
            fixed (int* outIds = generated)
            {
                var engine = api.CreateAdopted(ctx.Instance.Handle, ctx.PhysicalDevice.Handle, ctx.Device.Handle, ctx.Queue.Handle,
                    ctx.QueueFamily, model, null);
                Assert.True(engine != 0, api.Error());
                int n = api.Generate(engine, ids, prompt.Length, greedy, &Collect, outIds);
                Assert.True(n >= 0, api.Error());
                api.Free(engine);
                Assert.Null(api.Error());
                Assert.Equal(n, generated[0]);
            }
        }
        Assert.Equal(expected, generated.Skip(1).Take(generated[0]));
        // The device is still the owner's: it works after the engine is gone, and nothing was reported.
        Assert.Equal(Silk.NET.Vulkan.Result.Success, ctx.Vk.DeviceWaitIdle(ctx.Device));
        Assert.True(ctx.Validation.Count == 0, string.Join("\n", ctx.Validation.Messages.Take(5)));
    }

    [Fact]
    public unsafe void EveryErrorPathReturnsMinusOneOrNullWithAMessage()
    {
        var api = Load();
        Assert.Matches(@"^\d+\.\d+\.\d+$", Marshal.PtrToStringUTF8((nint)api.Version()));
        int* ids = stackalloc int[64];
        int prompt = 669;
        fixed (byte* text = Z("The jury said"))
        fixed (byte* model = Z(Model))
        fixed (byte* missing = Z(Path.Combine(Path.GetTempPath(), "qwenvk-no-such-model")))
        fixed (byte* badJson = Z("{\"ctx\": "))
        fixed (byte* unknownKey = Z("{\"colour\": 1}"))
        fixed (byte* badQuant = Z("{\"quant\": \"q3\"}"))
        fixed (byte* options = Z("{\"ctx\": 128, \"quant\": \"q8_0\"}"))
        fixed (byte* badTemperature = Z("{\"temperature\": -1}"))
        {
            // NULL engine.
            Assert.Equal(-1, api.Tokenize(0, text, ids, 64));
            Assert.Contains("NULL", AssertFailed(api), StringComparison.Ordinal);
            Assert.Equal(-1, api.Generate(0, &prompt, 1, null, null, null));
            var message = AssertFailed(api);
            // The message is the calling thread's: another thread has none.
            string? elsewhere = "unset";
            var other = new Thread(() => elsewhere = api.Error());
            other.Start();
            other.Join();
            Assert.Null(elsewhere);
            Assert.Equal(message, api.Error());
            api.Free(0); // a no-op
            Assert.Null(api.Error());

            // A foreign pointer is refused, not dereferenced.
            Assert.Equal(-1, api.Tokenize(0x1234, text, ids, 64));
            Assert.Contains("not a live", AssertFailed(api), StringComparison.Ordinal);

            // Creation errors: NULL or missing folder, bad or unknown options.
            Assert.Equal(0, api.Create(null, null));
            AssertFailed(api);
            Assert.Equal(0, api.Create(missing, null));
            Assert.Contains("not found", AssertFailed(api), StringComparison.Ordinal);
            Assert.Equal(0, api.Create(model, badJson));
            Assert.Contains("not valid JSON", AssertFailed(api), StringComparison.Ordinal);
            Assert.Equal(0, api.Create(model, unknownKey));
            Assert.Contains("colour", AssertFailed(api), StringComparison.Ordinal);
            Assert.Equal(0, api.Create(model, badQuant));
            Assert.Contains("q3", AssertFailed(api), StringComparison.Ordinal);
            // Adopted handles: NULL handles are refused before any Vulkan call.
            Assert.Equal(0, api.CreateAdopted(0, 0, 0, 0, 0, model, null));
            Assert.Contains("non-NULL", AssertFailed(api), StringComparison.Ordinal);

            var engine = api.Create(model, options);
            Assert.True(engine != 0, api.Error());
            Assert.Null(api.Error());

            // Capacity too small: -1 and the needed count in the message; a fitting buffer gets the ids.
            int needed = api.Tokenize(engine, text, ids, 64);
            Assert.True(needed > 1, api.Error());
            Assert.Equal(-1, api.Tokenize(engine, text, ids, needed - 1));
            Assert.Contains($"needs {needed} ids", AssertFailed(api), StringComparison.Ordinal);
            // Special-token text stays text.
            fixed (byte* special = Z("<|endoftext|>"))
                Assert.True(api.Tokenize(engine, special, ids, 64) > 1, api.Error());

            // Generation errors: empty prompt, bad sampling JSON; then a good one (on_token counted).
            Assert.Equal(-1, api.Generate(engine, &prompt, 0, null, null, null));
            AssertFailed(api);
            Assert.Equal(-1, api.Generate(engine, &prompt, 1, badJson, null, null));
            Assert.Contains("not valid JSON", AssertFailed(api), StringComparison.Ordinal);
            Assert.Equal(-1, api.Generate(engine, &prompt, 1, badTemperature, null, null));
            AssertFailed(api);
            int calls = 0;
            fixed (byte* four = Z("{\"max_tokens\": 4, \"temperature\": 0.8, \"top_k\": 40, \"top_p\": 0.9, \"seed\": 7}"))
            {
                int n = api.Generate(engine, &prompt, 1, four, &Count, &calls);
                Assert.True(n is > 0 and <= 4, api.Error());
                Assert.Equal(n, calls);
            }

            // Freed engine: every call fails cleanly, and freeing twice is an error, not a crash.
            api.Free(engine);
            Assert.Null(api.Error());
            Assert.Equal(-1, api.Tokenize(engine, text, ids, 64));
            Assert.Contains("not a live", AssertFailed(api), StringComparison.Ordinal);
            Assert.Equal(-1, api.Generate(engine, &prompt, 1, null, null, null));
            AssertFailed(api);
            api.Free(engine);
            AssertFailed(api);
        }
    }
}
