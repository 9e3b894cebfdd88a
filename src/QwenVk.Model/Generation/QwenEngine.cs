using System.Diagnostics;
using System.Runtime.CompilerServices;
using QwenVk.Model.Checkpoints;
using QwenVk.Model.Hub;
using QwenVk.Model.Inference;
using QwenVk.Model.Sampling;
using QwenVk.Model.Text;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Model.Generation;

/// <summary>
/// The library's front door: a model, its tokenizer and chat template, and streaming generation.
/// <code>
/// using var engine = await QwenEngine.LoadAsync("Qwen/Qwen2.5-0.5B-Instruct"); // or a folder
/// var chat = engine.StartChat();
/// await foreach (var piece in chat.SendAsync("Why is the sky blue?"))
///     Console.Write(piece);
/// </code>
/// The engine keeps track of the tokens in its KV cache: a prompt that starts with them (the earlier turns of a
/// chat) only processes what is new. One generation at a time: concurrent callers take turns (see
/// <see cref="AbandonedGenerationTimeout"/> for a caller that starts a generation and walks away). Dispose during a
/// generation waits for the forward pass in flight, then the generation's next step throws ObjectDisposedException.
/// </summary>
public sealed class QwenEngine : IDisposable
{
    readonly VulkanContext? _ownedContext;
    readonly List<int> _cached = new();
    readonly EngineGate _gate = new(TimeSpan.FromSeconds(30));
    bool _disposed;

    public QwenModel Model { get; }
    readonly QwenTokenizer? _tokenizer;

    /// <summary>The model's tokenizer. A folder without tokenizer.json loads too, for token ids in and out
    /// (<see cref="GenerateTokensAsync"/> then streams ids with empty text); this then throws.</summary>
    public QwenTokenizer Tokenizer => _tokenizer
        ?? throw new InvalidOperationException($"{Model.Folder} has no tokenizer.json, so this engine takes and gives token ids only; text needs the model's tokenizer (copy tokenizer.json from its Hugging Face repo).");

    public bool HasTokenizer => _tokenizer is not null;
    public ChatTemplate Template { get; }
    public GenerationStats? LastStats { get; private set; }

    /// <summary>A generation whose enumerator is not advanced for this long while another caller waits loses its
    /// turn (its next step throws InvalidOperationException), so a started and never disposed enumerator cannot
    /// block the engine. A generation nobody waits behind is never interrupted.</summary>
    public TimeSpan AbandonedGenerationTimeout
    {
        get => _gate.IdleTimeout;
        set => _gate.IdleTimeout = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the timeout must be positive.");
    }

    QwenEngine(VulkanContext? owned, QwenModel model, QwenTokenizer? tokenizer, ChatTemplate template)
    {
        _ownedContext = owned; Model = model; _tokenizer = tokenizer; Template = template;
    }

    /// <summary>Loads a model given as a folder or a Hugging Face repo id (owner/name[@revision]), found in the
    /// standard Hugging Face cache or downloaded into it unless <paramref name="hub"/> (or HF_HUB_OFFLINE) says
    /// offline, on the best Vulkan device (or the one <paramref name="contextOptions"/> names).</summary>
    public static async Task<QwenEngine> LoadAsync(string folderOrRepoId, ModelOptions? options = null,
        ContextOptions? contextOptions = null, HubOptions? hub = null, IProgress<LoadProgress>? progress = null,
        IProgress<DownloadProgress>? downloadProgress = null, CancellationToken cancel = default)
    {
        var folder = await ModelLocator.ResolveAsync(folderOrRepoId, hub ?? new HubOptions(), downloadProgress, cancel).ConfigureAwait(false);
        return await Task.Run(() => Load(folder, options, contextOptions, progress, cancel), cancel).ConfigureAwait(false);
    }

    /// <summary>Like <see cref="LoadAsync(string, ModelOptions?, ContextOptions?, HubOptions?, IProgress{LoadProgress}?, IProgress{DownloadProgress}?, CancellationToken)"/>
    /// on a context the caller owns (e.g. adopted from a host renderer); the engine never disposes it.</summary>
    public static async Task<QwenEngine> LoadAsync(VulkanContext ctx, string folderOrRepoId, ModelOptions? options = null,
        HubOptions? hub = null, IProgress<LoadProgress>? progress = null, IProgress<DownloadProgress>? downloadProgress = null,
        CancellationToken cancel = default)
    {
        var folder = await ModelLocator.ResolveAsync(folderOrRepoId, hub ?? new HubOptions(), downloadProgress, cancel).ConfigureAwait(false);
        return await Task.Run(() => Load(ctx, folder, options, progress, cancel), cancel).ConfigureAwait(false);
    }

    /// <summary>Loads a checkpoint folder on the best Vulkan device (or the one <paramref name="contextOptions"/> names).</summary>
    public static QwenEngine Load(string folder, ModelOptions? options = null, ContextOptions? contextOptions = null,
        IProgress<LoadProgress>? progress = null, CancellationToken cancel = default)
    {
        var ctx = VulkanContext.Create(contextOptions);
        try
        {
            return Load(ctx, folder, options, progress, cancel, ownsContext: true);
        }
        catch
        {
            ctx.Dispose();
            throw;
        }
    }

    /// <summary>Loads on a context the caller owns (e.g. adopted from a host renderer); the engine never disposes it.</summary>
    public static QwenEngine Load(VulkanContext ctx, string folder, ModelOptions? options = null,
        IProgress<LoadProgress>? progress = null, CancellationToken cancel = default) =>
        Load(ctx, folder, options, progress, cancel, ownsContext: false);

    static QwenEngine Load(VulkanContext ctx, string folder, ModelOptions? options, IProgress<LoadProgress>? progress,
        CancellationToken cancel, bool ownsContext)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder}: model folder not found (give a folder holding config.json and the *.safetensors weights, or use LoadAsync with a Hugging Face repo id).");
        var tokenizerFile = Path.Combine(folder, "tokenizer.json");
        var tokenizer = File.Exists(tokenizerFile) ? QwenTokenizer.Load(tokenizerFile) : null;
        var template = TemplateFor(folder);
        var model = QwenModel.Load(ctx, folder, options, progress, cancel);
        return new QwenEngine(ownsContext ? ctx : null, model, tokenizer, template);
    }

    static ChatTemplate TemplateFor(string folder)
    {
        var config = Path.Combine(folder, "tokenizer_config.json");
        if (File.Exists(config)) return ChatTemplate.FromTokenizerConfig(config);
        // No template file: Qwen3 checkpoints are recognisable from config.json; everything else speaks Qwen2.5's ChatML.
        var arch = QwenConfig.Load(Path.Combine(folder, "config.json")).Architecture;
        return new ChatTemplate(arch == QwenArchitecture.Qwen3 ? ChatTemplateFamily.Qwen3 : ChatTemplateFamily.Qwen25);
    }

    public ChatSession StartChat(string? systemPrompt = null, bool enableThinking = false) => new(this, systemPrompt, enableThinking);

    /// <summary>Streams the continuation of raw text (no chat template; special tokens in it are parsed).</summary>
    public async IAsyncEnumerable<string> GenerateAsync(string prompt, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancel = default)
    {
        await foreach (var t in GenerateTokensAsync(Tokenizer.Encode(prompt), options, cancel))
            if (t.Text.Length > 0) yield return t.Text;
    }

    /// <summary>Streams generated tokens after <paramref name="promptIds"/>. Cancelling stops within one token.</summary>
    public async IAsyncEnumerable<GeneratedToken> GenerateTokensAsync(IReadOnlyList<int> promptIds, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancel = default)
    {
        options ??= new GenerationOptions();
        if (promptIds.Count == 0) throw new ArgumentException("the prompt is empty.");
        if (_tokenizer is null && options.StopStrings.Count > 0)
            throw new ArgumentException($"stop strings need text, and {Model.Folder} has no tokenizer.json; use stop token ids instead.");
        var lease = await _gate.AcquireAsync(cancel).ConfigureAwait(false);
        try
        {
            var sampling = options.Sampling ?? DefaultSampling;
            var sampler = new Sampler(sampling);
            var stops = new StopDetector(new StopConditions
            {
                StopTokenIds = (Model.Generation?.EosTokenIds ?? []).Concat(Model.Config.EosTokenIds)
                    .Concat(options.StopTokenIds).Concat(_tokenizer?.DefaultStopTokenIds ?? []).Distinct().ToArray(),
                StopStrings = options.StopStrings,
                MaxNewTokens = options.MaxNewTokens,
            });
            var history = new TokenHistory();
            history.AddPrompt(promptIds.ToArray());
            var decoder = _tokenizer is null ? null : new StreamingDecoder(_tokenizer, skipSpecialTokens: true);

            var clock = Stopwatch.StartNew();
            int reused = 0;
            var logits = await StepAsync(lease, () =>
            {
                reused = ReuseCachedPrefix(promptIds);
                var fresh = promptIds.Skip(reused).ToArray();
                var l = Model.Forward(fresh);
                _cached.AddRange(fresh);
                return l;
            }, cancel).ConfigureAwait(false);
            double promptSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();

            int generated = 0;
            var reason = StopReason.None;
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                ThrowIfNotFinite(logits);
                // The embedding table has padding rows past the tokenizer's vocabulary: never sample those.
                int id = sampler.Sample(logits.AsSpan(0, Math.Min(logits.Length, _tokenizer?.VocabSize ?? logits.Length)), history);
                history.AddGenerated(id);
                generated++;
                var step = stops.Append(id, decoder?.Push(id) ?? "");
                if (step.ShouldStop)
                {
                    reason = step.Reason;
                    // At the token limit, bytes of an unfinished character are shown as they are; after a stop
                    // token or string nothing more belongs to the reply.
                    var tail = step.Text + (step.Reason == StopReason.MaxTokens ? decoder?.Flush() : "");
                    if (tail.Length > 0) yield return new GeneratedToken(id, tail);
                    break;
                }
                yield return new GeneratedToken(id, step.Text);
                if (Model.Position >= Model.ContextLength)
                {
                    reason = StopReason.MaxTokens;
                    var rest = stops.Finish() + decoder?.Flush();
                    if (rest.Length > 0) yield return new GeneratedToken(id, rest);
                    break;
                }
                logits = await StepAsync(lease, () =>
                {
                    var l = Model.Forward([id]);
                    _cached.Add(id);
                    return l;
                }, cancel).ConfigureAwait(false);
            }
            LastStats = new GenerationStats
            {
                PromptTokens = promptIds.Count,
                ReusedTokens = reused,
                GeneratedTokens = generated,
                PromptSeconds = promptSeconds,
                GenerationSeconds = clock.Elapsed.TotalSeconds,
                StopReason = reason,
                Seed = sampler.Seed,
            };
        }
        finally
        {
            _gate.Release(lease);
        }
    }

    /// <summary>Weights are checked at load, but activations can still overflow FP16 into infinity and NaN; sampling
    /// from such a row would pick an arbitrary token.</summary>
    void ThrowIfNotFinite(float[] logits)
    {
        if (float.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(logits) * 0f)) return;
        if (Array.TrueForAll(logits, float.IsFinite)) return;
        throw new InvalidDataException($"{Model.Folder}: the model produced NaN or infinite logits at position {Model.Position}; its activations overflow FP16 (the weights are damaged or this model cannot run in FP16).");
    }

    /// <summary>Runs one step that uses the model (and its GPU objects). Cancellation is honoured before a step,
    /// never within one: a forward pass in flight always completes, so Dispose can wait for it.</summary>
    async Task<T> StepAsync<T>(EngineGate.Lease lease, Func<T> work, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        _gate.BeginStep(lease);
        try
        {
            return await Task.Run(work, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _gate.EndStep(lease);
        }
    }

    /// <summary>Keeps the longest prefix of the cache that the prompt repeats (at least one prompt token is always
    /// run, to get logits) and returns its length.</summary>
    int ReuseCachedPrefix(IReadOnlyList<int> prompt)
    {
        int common = 0;
        int max = Math.Min(_cached.Count, Math.Min(prompt.Count - 1, Model.Position));
        while (common < max && _cached[common] == prompt[common]) common++;
        Model.Rewind(common);
        _cached.RemoveRange(common, _cached.Count - common);
        return common;
    }

    /// <summary>Sampling from the model's generation_config.json, else Qwen's usual settings.</summary>
    public SamplingOptions DefaultSampling
    {
        get
        {
            var g = Model.Generation;
            if (g is null) return new SamplingOptions { Temperature = 0.7f, TopP = 0.8f, TopK = 20 };
            return new SamplingOptions
            {
                Temperature = g.DoSample == false ? 0f : (float)(g.Temperature ?? 0.7),
                TopK = g.TopK ?? 20,
                TopP = (float)(g.TopP ?? 0.8),
                RepetitionPenalty = (float)(g.RepetitionPenalty ?? 1.0),
            };
        }
    }

    /// <summary>Forgets the KV cache (the next prompt is processed in full).</summary>
    public void ResetCache()
    {
        var lease = _gate.Acquire();
        try
        {
            _cached.Clear();
            Model.Reset();
        }
        finally
        {
            _gate.Release(lease);
        }
    }

    /// <summary>Stops any generation (waiting for its forward pass in flight, so no GPU object in use is freed),
    /// then frees the model and an owned device. Safe to call from any thread, and more than once.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _gate.Close();
        Model.Dispose();
        _ownedContext?.Dispose();
    }
}
