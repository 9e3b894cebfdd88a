using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
using QwenVk.Model.Sampling;
using QwenVk.Model.Text;

namespace QwenVk.Model.Generation;

/// <summary>
/// Microsoft.Extensions.AI's <see cref="IChatClient"/> over a <see cref="QwenEngine"/>, so a .NET app written against
/// the standard chat abstraction runs on a local Qwen model. Each call renders the whole conversation; the engine
/// reuses the KV cache of the turns it has already seen.
/// </summary>
public sealed class QwenChatClient(QwenEngine engine, bool disposeEngine = false) : IChatClient
{
    readonly ChatClientMetadata _metadata = new("qwenvk", null, Path.GetFileName(Path.GetFullPath(engine.Model.Folder).TrimEnd('/')));

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        UsageDetails? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            text.Append(update.Text);
            finish = update.FinishReason ?? finish;
            foreach (var usageContent in update.Contents.OfType<UsageContent>()) usage = usageContent.Details;
        }
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()))
        {
            ModelId = _metadata.DefaultModelId,
            FinishReason = finish,
            Usage = usage,
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var turns = messages.Select(ToTurn).ToList();
        bool thinking = options?.AdditionalProperties?.TryGetValue("enable_thinking", out var t) == true && t is true;
        var prompt = engine.Template.Render(turns, addGenerationPrompt: true, enableThinking: thinking);
        var ids = engine.Tokenizer.Encode(prompt);
        await foreach (var token in engine.GenerateTokensAsync(ids, ToGenerationOptions(options), cancellationToken))
            if (token.Text.Length > 0)
                yield return new ChatResponseUpdate(ChatRole.Assistant, token.Text) { ModelId = _metadata.DefaultModelId };
        // The last update carries the finish reason and the token counts (UsageContent, where streaming clients of
        // Microsoft.Extensions.AI look for them; ToChatResponse sums it into Usage).
        var stats = engine.LastStats;
        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            FinishReason = Finish(stats),
            ModelId = _metadata.DefaultModelId,
            Contents = stats is null ? [] : [new UsageContent(new UsageDetails
            {
                InputTokenCount = stats.PromptTokens,
                OutputTokenCount = stats.GeneratedTokens,
                TotalTokenCount = stats.PromptTokens + stats.GeneratedTokens,
            })],
        };
    }

    static ChatTurn ToTurn(ChatMessage m)
    {
        if (m.Role == ChatRole.System) return ChatTurn.System(m.Text);
        if (m.Role == ChatRole.User) return ChatTurn.User(m.Text);
        if (m.Role == ChatRole.Assistant) return ChatTurn.Assistant(m.Text);
        throw new NotSupportedException($"chat role '{m.Role}' is not supported (tools are not); use system, user and assistant messages.");
    }

    GenerationOptions ToGenerationOptions(ChatOptions? o)
    {
        var d = engine.DefaultSampling;
        if (o is null) return new GenerationOptions { Sampling = d };
        return new GenerationOptions
        {
            Sampling = d with
            {
                Temperature = o.Temperature ?? d.Temperature,
                TopP = o.TopP ?? d.TopP,
                TopK = o.TopK ?? d.TopK,
                PresencePenalty = o.PresencePenalty ?? d.PresencePenalty,
                FrequencyPenalty = o.FrequencyPenalty ?? d.FrequencyPenalty,
                Seed = o.Seed is long s ? unchecked((ulong)s) : d.Seed,
            },
            MaxNewTokens = o.MaxOutputTokens ?? 512,
            StopStrings = o.StopSequences?.ToArray() ?? [],
        };
    }

    static ChatFinishReason? Finish(GenerationStats? s) => s?.StopReason switch
    {
        StopReason.MaxTokens => ChatFinishReason.Length,
        null => null,
        _ => ChatFinishReason.Stop,
    };

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType.IsInstanceOfType(engine) ? engine
        : null;

    public void Dispose()
    {
        if (disposeEngine) engine.Dispose();
    }
}
