using Microsoft.Extensions.AI;
using QwenVk.Model.Generation;
using QwenVk.Model.Hub;
using QwenVk.Model.Inference;
using QwenVk.Model.Sampling;
using QwenVk.Tests.Cli;

namespace QwenVk.Tests.Generation;

/// <summary>The library's front door as a host application uses it.</summary>
[Collection("gpu")]
public sealed class EngineApiTests(EngineFixture f) : IClassFixture<EngineFixture>
{
    static GenerationOptions Greedy(int n) => new() { Sampling = SamplingOptions.Greedy, MaxNewTokens = n };

    [Fact]
    public async Task StreamingChatClientSendsUsageLikeTheNonStreamingOne()
    {
        using var engine = f.Load();
        IChatClient client = new QwenChatClient(engine);
        var messages = new List<ChatMessage> { new(ChatRole.User, "What is Vulkan?") };
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 5 };
        var response = await client.GetResponseAsync(messages, options);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync(messages, options)) updates.Add(u);
        var usage = updates.Last().Contents.OfType<UsageContent>().Single().Details;
        Assert.Equal(response.Usage!.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(response.Usage.OutputTokenCount, usage.OutputTokenCount);
        Assert.Equal(response.Usage.OutputTokenCount, updates.ToChatResponse().Usage!.OutputTokenCount);
        f.Gpu.AssertClean();
    }

    [Fact]
    public async Task AChatTurnThatFailsIsRolledBackAndTheNextTurnWorks()
    {
        using var engine = f.Load(context: 64);
        var chat = engine.StartChat();
        await foreach (var _ in chat.SendAsync("Hi", Greedy(2))) { }
        int turns = chat.Turns.Count;
        var tooLong = string.Join(" ", Enumerable.Repeat("word", 200));
        await Assert.ThrowsAsync<ContextOverflowException>(async () =>
        {
            await foreach (var _ in chat.SendAsync(tooLong, Greedy(2))) { }
        });
        Assert.Equal(turns, chat.Turns.Count);
        var reply = new List<string>();
        await foreach (var piece in chat.SendAsync("Again", Greedy(2))) reply.Add(piece);
        Assert.Equal(turns + 2, chat.Turns.Count);
        f.Gpu.AssertClean();
    }

    [Fact]
    public async Task LoadAsyncTakesARepoIdFromTheCacheAndAFolder()
    {
        using var dir = new TempDir();
        const string commit = "89abcdef0123456789abcdef0123456789abcdef";
        var snapshot = Path.Combine(dir.Path, "models--acme--tiny", "snapshots", commit);
        Directory.CreateDirectory(snapshot);
        Directory.CreateDirectory(Path.Combine(dir.Path, "models--acme--tiny", "refs"));
        File.WriteAllText(Path.Combine(dir.Path, "models--acme--tiny", "refs", "main"), commit);
        foreach (var file in Directory.GetFiles(f.Folder)) File.Copy(file, Path.Combine(snapshot, Path.GetFileName(file)));
        var hub = new HubOptions { CacheDir = dir.Path, Offline = true };
        var options = new ModelOptions { ContextLength = 64 };
        using (var byRepo = await QwenEngine.LoadAsync(f.Gpu.Ctx, "acme/tiny", options, hub))
            Assert.Equal(Path.GetFullPath(snapshot), Path.GetFullPath(byRepo.Model.Folder));
        using (var byFolder = await QwenEngine.LoadAsync(f.Gpu.Ctx, f.Folder, options, hub))
            Assert.True(byFolder.HasTokenizer);
        var missing = await Assert.ThrowsAsync<HubUnreachableException>(() => QwenEngine.LoadAsync(f.Gpu.Ctx, "acme/other", options, hub));
        Assert.DoesNotContain(" --", missing.Message);
        f.Gpu.AssertClean();
    }

    [Fact]
    public async Task AnEngineWithoutATokenizerTakesAndGivesIds()
    {
        using var dir = new TempDir();
        TestModels.Make(dir.Path, tokenizer: false);
        using var engine = QwenEngine.Load(f.Gpu.Ctx, dir.Path, new ModelOptions { ContextLength = 32 });
        Assert.False(engine.HasTokenizer);
        var ids = new List<int>();
        await foreach (var t in engine.GenerateTokensAsync([1, 2, 3], Greedy(3)))
        {
            Assert.Equal("", t.Text);
            ids.Add(t.Id);
        }
        Assert.NotEmpty(ids);
        Assert.Contains("tokenizer.json", Assert.Throws<InvalidOperationException>(() => engine.Tokenizer).Message);
        f.Gpu.AssertClean();
    }

    [Fact]
    public void AContextPastTheTrainedPositionsIsRefusedWithoutRopeScaling()
    {
        using var dir = new TempDir();
        TestModels.Make(dir.Path, tokenizer: false, maxPositions: 64);
        var e = Assert.Throws<ArgumentException>(() => QwenEngine.Load(f.Gpu.Ctx, dir.Path, new ModelOptions { ContextLength = 65 }));
        Assert.Contains("max_position_embeddings", e.Message);
        using var ok = QwenEngine.Load(f.Gpu.Ctx, dir.Path, new ModelOptions { ContextLength = 64 });
        f.Gpu.AssertClean();
    }
}
