using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using QwenVk.Model.Generation;
using QwenVk.Model.Inference;
using QwenVk.Model.Sampling;
using QwenVk.Runtime.Vulkan;
using Silk.NET.Vulkan;

namespace QwenVk.Native;

/// <summary>The C ABI of qwenvk.h. Every entry point catches everything: no exception crosses the boundary; failures
/// return -1 or NULL and set the calling thread's last error. Engines are opaque pointers (GCHandles) checked against
/// a registry of live ones on every call, so a freed or foreign pointer is an error, not a crash.</summary>
static unsafe class NativeApi
{
    /// <summary>An engine and the context it runs on (its own device, or adopted handles the context never
    /// destroys).</summary>
    sealed class NativeEngine(QwenEngine engine, VulkanContext context) : IDisposable
    {
        int _reported;

        public QwenEngine Engine { get; } = engine;

        /// <summary>With the validation layer on (QWENVK_VALIDATION=1 or "validation": true), a message since the
        /// last check fails the call that caused it.</summary>
        public void ThrowOnValidationMessages()
        {
            var messages = context.Validation.Messages.Skip(_reported).ToArray();
            _reported += messages.Length;
            if (messages.Length > 0)
                throw new InvalidOperationException($"the Vulkan validation layer reported {messages.Length} message(s): {string.Join(" | ", messages)}");
        }

        public void Dispose()
        {
            Engine.Dispose();
            context.Dispose();
        }
    }

    static readonly Lock RegistryLock = new();
    static readonly HashSet<nint> Live = [];

    [ThreadStatic] static nint t_lastError;
    static nint s_version;

    static void SetError(string? message)
    {
        if (t_lastError != 0) Marshal.FreeCoTaskMem(t_lastError);
        t_lastError = message is null ? 0 : Marshal.StringToCoTaskMemUTF8(message);
    }

    static int Fail(Exception e)
    {
        SetError(string.IsNullOrEmpty(e.Message) ? e.GetType().Name : e.Message);
        return -1;
    }

    static string? Utf8(byte* p) => p is null ? null : Marshal.PtrToStringUTF8((nint)p);

    static NativeEngine Get(nint handle)
    {
        lock (RegistryLock)
        {
            if (handle == 0) throw new ArgumentNullException(nameof(handle), "the engine is NULL.");
            if (!Live.Contains(handle)) throw new ArgumentException("the engine is not a live qwenvk_engine (freed, or not made by qwenvk_engine_create).");
            return (NativeEngine)GCHandle.FromIntPtr(handle).Target!;
        }
    }

    static nint Register(NativeEngine engine)
    {
        var h = GCHandle.ToIntPtr(GCHandle.Alloc(engine));
        lock (RegistryLock) Live.Add(h);
        return h;
    }

    [UnmanagedCallersOnly(EntryPoint = "qwenvk_version")]
    static byte* Version()
    {
        try
        {
            if (s_version == 0)
            {
                var v = typeof(QwenEngine).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
                var p = Marshal.StringToCoTaskMemUTF8(v);
                if (Interlocked.CompareExchange(ref s_version, p, 0) != 0) Marshal.FreeCoTaskMem(p);
            }
            return (byte*)s_version;
        }
        catch (Exception e)
        {
            Fail(e);
            return null;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "qwenvk_last_error")]
    static byte* LastError() => (byte*)t_lastError;

    [UnmanagedCallersOnly(EntryPoint = "qwenvk_engine_create")]
    static nint EngineCreate(byte* modelDir, byte* optionsJson)
    {
        try
        {
            SetError(null);
            var (folder, model, options) = ParseCreate(modelDir, optionsJson);
            return Register(Load(VulkanContext.Create(options), folder, model));
        }
        catch (Exception e)
        {
            Fail(e);
            return 0;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "qwenvk_engine_create_adopted")]
    static nint EngineCreateAdopted(nint instance, nint physicalDevice, nint device, nint queue, uint queueFamily,
        byte* modelDir, byte* optionsJson)
    {
        try
        {
            SetError(null);
            if (instance == 0 || physicalDevice == 0 || device == 0 || queue == 0)
                throw new ArgumentException("instance, physical_device, device and queue must all be non-NULL.");
            var (folder, model, _) = ParseCreate(modelDir, optionsJson);
            var ctx = VulkanContext.Adopt(new Instance(instance), new PhysicalDevice(physicalDevice), new Device(device),
                new Queue(queue), queueFamily);
            return Register(Load(ctx, folder, model));
        }
        catch (Exception e)
        {
            Fail(e);
            return 0;
        }
    }

    /// <summary>Loads on <paramref name="ctx"/>, which the result owns (disposed here on failure).</summary>
    static NativeEngine Load(VulkanContext ctx, string folder, ModelOptions model)
    {
        NativeEngine? engine = null;
        try
        {
            engine = new NativeEngine(QwenEngine.Load(ctx, folder, model), ctx);
            engine.ThrowOnValidationMessages();
            return engine;
        }
        catch
        {
            if (engine is not null) engine.Dispose();
            else ctx.Dispose();
            throw;
        }
    }

    static (string Folder, ModelOptions Model, ContextOptions Context) ParseCreate(byte* modelDir, byte* optionsJson)
    {
        var folder = Utf8(modelDir);
        if (string.IsNullOrEmpty(folder)) throw new ArgumentException("model_dir is NULL or empty.");
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: model folder not found.");
        var model = new ModelOptions();
        var context = new ContextOptions();
        var json = Utf8(optionsJson);
        if (!string.IsNullOrWhiteSpace(json))
        {
            using var doc = Parse(json, "options_json");
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "device":
                        context = context with { Device = p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetRawText() : Str(p) };
                        break;
                    case "ctx":
                        model = model with { ContextLength = PositiveInt(p) };
                        break;
                    case "quant":
                        if (!WeightQuantNames.TryParse(Str(p), out var q))
                            throw new ArgumentException($"options_json: quant '{p.Value}' is not one of f16, q8_0, q4_0.");
                        model = model with { Quant = q };
                        break;
                    case "validation":
                        context = context with { Validation = p.Value.GetBoolean() };
                        break;
                    default:
                        throw new ArgumentException($"options_json: unknown key '{p.Name}' (known: device, ctx, quant, validation).");
                }
            }
        }
        return (folder, model, context);
    }

    static JsonDocument Parse(string json, string what)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{what} is not valid JSON: {e.Message}");
        }
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw new ArgumentException($"{what} must be a JSON object.");
        }
        return doc;
    }

    static string Str(JsonProperty p) => p.Value.ValueKind == JsonValueKind.String
        ? p.Value.GetString()!
        : throw new ArgumentException($"'{p.Name}' must be a string.");

    static int PositiveInt(JsonProperty p) => p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var v) && v > 0
        ? v
        : throw new ArgumentException($"'{p.Name}' must be a positive integer.");

    static float Float(JsonProperty p) => p.Value.ValueKind == JsonValueKind.Number
        ? p.Value.GetSingle()
        : throw new ArgumentException($"'{p.Name}' must be a number.");

    [UnmanagedCallersOnly(EntryPoint = "qwenvk_tokenize")]
    static int Tokenize(nint engine, byte* utf8, int* ids, int capacity)
    {
        try
        {
            SetError(null);
            var e = Get(engine);
            if (utf8 is null) throw new ArgumentNullException(nameof(utf8), "utf8 is NULL.");
            if (capacity < 0) throw new ArgumentOutOfRangeException(nameof(capacity), "capacity is negative.");
            if (!e.Engine.HasTokenizer) throw new InvalidOperationException($"{e.Engine.Model.Folder} has no tokenizer.json.");
            var tokens = e.Engine.Tokenizer.EncodeLiteral(Utf8(utf8)!);
            if (tokens.Length > capacity)
                throw new ArgumentException($"capacity {capacity} is too small: the text needs {tokens.Length} ids.");
            if (tokens.Length > 0 && ids is null) throw new ArgumentNullException(nameof(ids), "ids is NULL.");
            tokens.AsSpan().CopyTo(new Span<int>(ids, tokens.Length));
            return tokens.Length;
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "qwenvk_generate")]
    static int Generate(nint engine, int* prompt, int nPrompt, byte* samplingJson,
        delegate* unmanaged<int, byte*, void*, int> onToken, void* user)
    {
        try
        {
            SetError(null);
            var e = Get(engine);
            if (nPrompt <= 0) throw new ArgumentException("n_prompt must be positive.");
            if (prompt is null) throw new ArgumentNullException(nameof(prompt), "prompt is NULL.");
            var ids = new ReadOnlySpan<int>(prompt, nPrompt).ToArray();
            var options = ParseSampling(Utf8(samplingJson));
            int count = 0;
            byte[] buffer = new byte[64];
            // Driven synchronously on the caller's thread (no synchronization context there), so on_token runs on
            // the thread that called qwenvk_generate.
            var tokens = e.Engine.GenerateTokensAsync(ids, options).GetAsyncEnumerator();
            try
            {
                while (tokens.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                {
                    var t = tokens.Current;
                    count++;
                    if (onToken is null) continue;
                    int n = Encoding.UTF8.GetByteCount(t.Text);
                    if (buffer.Length < n + 1) buffer = new byte[n + 1];
                    Encoding.UTF8.GetBytes(t.Text, buffer);
                    buffer[n] = 0;
                    int stop;
                    fixed (byte* piece = buffer) stop = onToken(t.Id, piece, user);
                    if (stop != 0) break;
                }
            }
            finally
            {
                tokens.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            e.ThrowOnValidationMessages();
            return count;
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    static GenerationOptions ParseSampling(string? json)
    {
        var sampling = SamplingOptions.Greedy;
        var options = new GenerationOptions { Sampling = sampling, MaxNewTokens = 256 };
        if (string.IsNullOrWhiteSpace(json)) return options;
        using var doc = Parse(json, "sampling_json");
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            switch (p.Name)
            {
                case "max_tokens": options = options with { MaxNewTokens = PositiveInt(p) }; break;
                case "temperature": sampling = sampling with { Temperature = Float(p) }; break;
                case "top_k": sampling = sampling with { TopK = p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var k) && k >= 0 ? k : throw new ArgumentException("'top_k' must be a non-negative integer.") }; break;
                case "top_p": sampling = sampling with { TopP = Float(p) }; break;
                case "min_p": sampling = sampling with { MinP = Float(p) }; break;
                case "seed":
                    sampling = sampling with { Seed = p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetUInt64(out var s) ? s : throw new ArgumentException("'seed' must be a non-negative integer.") };
                    break;
                case "stop":
                    options = options with
                    {
                        StopStrings = p.Value.ValueKind switch
                        {
                            JsonValueKind.String => [p.Value.GetString()!],
                            JsonValueKind.Array => [.. p.Value.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : throw new ArgumentException("'stop' must hold strings."))],
                            _ => throw new ArgumentException("'stop' must be a string or an array of strings."),
                        },
                    };
                    break;
                default:
                    throw new ArgumentException($"sampling_json: unknown key '{p.Name}' (known: max_tokens, temperature, top_k, top_p, min_p, seed, stop).");
            }
        }
        sampling.Validate();
        return options with { Sampling = sampling };
    }

    [UnmanagedCallersOnly(EntryPoint = "qwenvk_engine_free")]
    static void EngineFree(nint engine)
    {
        try
        {
            SetError(null);
            if (engine == 0) return;
            NativeEngine e;
            lock (RegistryLock)
            {
                if (!Live.Remove(engine))
                    throw new ArgumentException("qwenvk_engine_free: not a live qwenvk_engine (freed twice, or foreign).");
                var h = GCHandle.FromIntPtr(engine);
                e = (NativeEngine)h.Target!;
                h.Free();
            }
            e.Dispose();
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }
}
