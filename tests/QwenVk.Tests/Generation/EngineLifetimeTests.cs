using QwenVk.Model.Generation;
using QwenVk.Model.Sampling;

namespace QwenVk.Tests.Generation;

/// <summary>What a host application does to an engine that a single-threaded caller never does: dispose it while
/// a reply streams, start a generation and walk away from it.</summary>
[Collection("gpu")]
public sealed class EngineLifetimeTests(EngineFixture f) : IClassFixture<EngineFixture>
{
    static GenerationOptions Greedy(int n) => new() { Sampling = SamplingOptions.Greedy, MaxNewTokens = n };

    [Fact]
    public async Task DisposeDuringGenerationStopsItWithoutFreeingWhatTheGpuUses()
    {
        for (int round = 0; round < 4; round++)
        {
            var engine = f.Load();
            var prompt = engine.Tokenizer.Encode("Tell me a long story");
            int received = 0;
            var firstTokens = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = Task.Run(async () =>
            {
                await foreach (var _ in engine.GenerateTokensAsync(prompt, Greedy(200)))
                    if (++received == 2 + round) firstTokens.TrySetResult();
            });
            await firstTokens.Task.WaitAsync(TimeSpan.FromSeconds(60));
            // From another thread while the consumer keeps stepping: most of its time is inside forward passes.
            await Task.Run(engine.Dispose);
            var error = await Record.ExceptionAsync(() => consumer.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.IsType<ObjectDisposedException>(error);
            Assert.True(received < 200, "the generation ran to its end although the engine was disposed");
            engine.Dispose();
            f.Gpu.AssertClean();
        }
    }

    [Fact]
    public async Task DisposeWhileACallerWaitsForItsTurnFailsTheWaiterCleanly()
    {
        var engine = f.Load();
        var prompt = engine.Tokenizer.Encode("Hello");
        var first = engine.GenerateTokensAsync(prompt, Greedy(50)).GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync());
        var waiter = Task.Run(async () =>
        {
            await foreach (var _ in engine.GenerateTokensAsync(prompt, Greedy(5))) { }
        });
        await Task.Delay(200);
        Assert.False(waiter.IsCompleted);
        engine.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiter.WaitAsync(TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await first.MoveNextAsync());
        await first.DisposeAsync();
        f.Gpu.AssertClean();
    }

    [Fact]
    public async Task AnAbandonedEnumeratorDoesNotBlockTheNextCaller()
    {
        using var engine = f.Load();
        engine.AbandonedGenerationTimeout = TimeSpan.FromMilliseconds(300);
        var prompt = engine.Tokenizer.Encode("Once upon a time");

        // Started, one token taken, never advanced or disposed again.
        var abandoned = engine.GenerateTokensAsync(prompt, Greedy(50)).GetAsyncEnumerator();
        Assert.True(await abandoned.MoveNextAsync());

        var ids = new List<int>();
        await Task.Run(async () =>
        {
            await foreach (var t in engine.GenerateTokensAsync(prompt, Greedy(4))) ids.Add(t.Id);
        }).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(4, ids.Count);

        // The abandoned generation learns that it lost its turn; it does not write into the new one's cache.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await abandoned.MoveNextAsync());
        Assert.Contains("abandoned", error.Message);
        await abandoned.DisposeAsync();

        // A fresh run from an empty cache gives what the second caller got.
        engine.ResetCache();
        var again = new List<int>();
        await foreach (var t in engine.GenerateTokensAsync(prompt, Greedy(4))) again.Add(t.Id);
        Assert.Equal(again, ids);
        f.Gpu.AssertClean();
    }

    [Fact]
    public async Task ACallerThatKeepsConsumingKeepsItsTurn()
    {
        using var engine = f.Load();
        engine.AbandonedGenerationTimeout = TimeSpan.FromMilliseconds(300);
        var prompt = engine.Tokenizer.Encode("Count");
        var slow = Task.Run(async () =>
        {
            int n = 0;
            await foreach (var _ in engine.GenerateTokensAsync(prompt, Greedy(6)))
            {
                n++;
                await Task.Delay(100);
            }
            return n;
        });
        await Task.Delay(150);
        var second = Task.Run(async () =>
        {
            int n = 0;
            await foreach (var _ in engine.GenerateTokensAsync(prompt, Greedy(3))) n++;
            return n;
        });
        Assert.True(await slow.WaitAsync(TimeSpan.FromSeconds(60)) > 0);
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(60)) > 0);
        f.Gpu.AssertClean();
    }
}
