using Microsoft.Extensions.AI;
using QwenVk.Model.Generation;
using QwenVk.Model.Sampling;

namespace QwenVk.Tests.Generation;

[Collection("gpu")]
public sealed class QwenEngineTests(EngineFixture f) : IClassFixture<EngineFixture>
{
    static GenerationOptions Greedy(int n) => new() { Sampling = SamplingOptions.Greedy, MaxNewTokens = n };

    static async Task<(List<int> Ids, string Text)> Collect(IAsyncEnumerable<GeneratedToken> tokens)
    {
        var ids = new List<int>();
        var text = "";
        await foreach (var t in tokens)
        {
            ids.Add(t.Id);
            text += t.Text;
        }
        return (ids, text);
    }

    [Fact]
    public async Task StreamedPiecesJoinToTheDecodedTextAndGreedyIsArgmax()
    {
        using var engine = f.Load();
        var prompt = engine.Tokenizer.Encode("Hello, 世界! 😀");
        var (ids, text) = await Collect(engine.GenerateTokensAsync(prompt, Greedy(12)));
        Assert.Equal(engine.Tokenizer.Decode(ids.Where(i => i != 151645), skipSpecialTokens: true), text);

        // Greedy streaming is the argmax of the model's own logits, step by step.
        engine.ResetCache();
        engine.Model.Reset();
        var logits = engine.Model.Forward(prompt);
        foreach (var id in ids.Take(4))
        {
            Assert.Equal(Array.IndexOf(logits, logits.AsSpan(0, engine.Tokenizer.VocabSize).ToArray().Max()), id);
            logits = engine.Model.Forward([id]);
        }
        engine.ResetCache();
        f.Gpu.AssertClean();
    }

    [Fact]
    public async Task SameSeedSameTextDifferentSeedUsuallyDifferent()
    {
        using var engine = f.Load();
        var prompt = engine.Tokenizer.Encode("Once upon a time");
        GenerationOptions Seeded(ulong s) => new() { Sampling = new SamplingOptions { Temperature = 1.5f, Seed = s }, MaxNewTokens = 10 };
        var a = await Collect(engine.GenerateTokensAsync(prompt, Seeded(1)));
        var b = await Collect(engine.GenerateTokensAsync(prompt, Seeded(1)));
        var c = await Collect(engine.GenerateTokensAsync(prompt, Seeded(2)));
        Assert.Equal(a.Ids, b.Ids);
        Assert.NotEqual(a.Ids, c.Ids);
        f.Gpu.AssertClean();
    }

    [Fact]
    public async Task SecondChatTurnReusesTheCacheAndMatchesAFreshRun()
    {
        using var engine = f.Load();
        var chat = engine.StartChat();
        await foreach (var _ in chat.SendAsync("Hi there", Greedy(6))) { }
        var second = new List<string>();
        await foreach (var piece in chat.SendAsync("And again?", Greedy(6))) second.Add(piece);
        var stats = engine.LastStats!;
        Assert.True(stats.ReusedTokens > 10, $"only {stats.ReusedTokens} of {stats.PromptTokens} prompt tokens were reused");

        // The same conversation from an empty cache gives the same reply.
        using var fresh = f.Load();
        var prompt = fresh.Tokenizer.Encode(fresh.Template.Render(chat.Turns.Take(chat.Turns.Count - 1).ToList()));
        var (_, text) = await Collect(fresh.GenerateTokensAsync(prompt, Greedy(6)));
        Assert.Equal(0, fresh.LastStats!.ReusedTokens);
        Assert.Equal(text, string.Concat(second));
        f.Gpu.AssertClean();
    }

    [Fact]
    public async Task CancellationStopsWithinATokenAndTheEngineStaysUsable()
    {
        using var engine = f.Load();
        using var cts = new CancellationTokenSource();
        int received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in engine.GenerateTokensAsync(engine.Tokenizer.Encode("Count to a hundred"), Greedy(200), cts.Token))
            {
                if (++received == 2) cts.Cancel();
            }
        });
        Assert.Equal(2, received);
        var (ids, _) = await Collect(engine.GenerateTokensAsync(engine.Tokenizer.Encode("Still there?"), Greedy(3)));
        Assert.NotEmpty(ids);
        f.Gpu.AssertClean();
    }

    [Fact]
    public async Task ChatClientStreamsWhatItAnswers()
    {
        using var engine = f.Load();
        IChatClient client = new QwenChatClient(engine);
        var messages = new List<ChatMessage> { new(ChatRole.User, "What is Vulkan?") };
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 8 };
        var response = await client.GetResponseAsync(messages, options);
        var streamed = "";
        await foreach (var u in client.GetStreamingResponseAsync(messages, options)) streamed += u.Text;
        Assert.Equal(response.Text, streamed);
        Assert.True(response.Usage!.OutputTokenCount is > 0 and <= 8);
        Assert.NotNull(client.GetService(typeof(ChatClientMetadata)));
        Assert.Throws<NotSupportedException>(() => client.GetStreamingResponseAsync([new ChatMessage(ChatRole.Tool, "x")]).GetAsyncEnumerator().MoveNextAsync().AsTask().GetAwaiter().GetResult());
        f.Gpu.AssertClean();
    }
}
