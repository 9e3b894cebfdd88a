using QwenVk.Model.Generation;
using QwenVk.Model.Inference;
using QwenVk.Tools.Checkpoints;

namespace QwenVk.Tests.Generation;

/// <summary>A small random Qwen2 checkpoint with the real Qwen2.5 tokenizer, loaded once for the generation tests.</summary>
public sealed class EngineFixture : IDisposable
{
    readonly TempDir _dir = new();
    public GpuFixture Gpu { get; } = new();
    public string Folder => _dir.Path;

    public EngineFixture()
    {
        var tokenizer = RepoPaths.Fixture("qwen-tokenizer", "qwen2_5-tokenizer.json.gz");
        CheckpointMaker.Make(new CheckpointSpec
        {
            HiddenSize = 32, IntermediateSize = 64, Layers = 2, Heads = 2, KeyValueHeads = 1, VocabSize = 151936,
            BosTokenId = 151643, EosTokenIds = [151645], Seed = 7,
            TokenizerJson = tokenizer,
            TokenizerConfigJson = RepoPaths.Fixture("qwen-tokenizer", "qwen2_5-tokenizer_config.json"),
        }, _dir.Path);
    }

    public QwenEngine Load(int context = 256) => QwenEngine.Load(Gpu.Ctx, Folder, new ModelOptions { ContextLength = context });

    public void Dispose()
    {
        Gpu.Dispose();
        _dir.Dispose();
    }
}
