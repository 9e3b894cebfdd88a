using QwenVk.Model.Checkpoints;

namespace QwenVk.Tests.Model;

public sealed class QwenConfigTests
{
    static QwenConfig Parse(string json) => QwenConfig.Parse(json, "test/config.json");

    static string WithQuantization(string quantizationConfig) =>
        File.ReadAllText(Path.Combine(RepoPaths.ReferenceModel("qwen2-tiny"), "config.json")).TrimEnd().TrimEnd('}')
        + ", \"quantization_config\": " + quantizationConfig + "}";

    [Fact]
    public void GptqAndAwqQuantizationConfigsAreRead()
    {
        var g = Parse(WithQuantization("{\"quant_method\": \"gptq\", \"bits\": 8, \"group_size\": -1, \"desc_act\": true, \"sym\": false, \"checkpoint_format\": \"gptq\"}")).Quantization;
        Assert.Equal(new PackedQuantization(PackedMethod.Gptq, 8, -1, true), g);
        var a = Parse(WithQuantization("{\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": 128, \"version\": \"GEMM\", \"zero_point\": true}")).Quantization;
        Assert.Equal(new PackedQuantization(PackedMethod.Awq, 4, 128, false), a);
        Assert.Null(Parse(File.ReadAllText(Path.Combine(RepoPaths.ReferenceModel("qwen2-tiny"), "config.json"))).Quantization);
    }

    [Theory]
    [InlineData("{\"quant_method\": \"gptq\", \"bits\": 3, \"group_size\": 128}", "quantization_config.bits", "3")]
    [InlineData("{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 128, \"checkpoint_format\": \"gptq_v2\"}", "quantization_config.checkpoint_format", "gptq_v2")]
    [InlineData("{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 128, \"checkpoint_format\": \"marlin\"}", "quantization_config.checkpoint_format", "marlin")]
    [InlineData("{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 128, \"format\": \"bitblas\"}", "quantization_config.format", "bitblas")]
    [InlineData("{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 128, \"is_marlin_format\": true}", "quantization_config.is_marlin_format", "Marlin")]
    [InlineData("{\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": 128, \"version\": \"gemv\"}", "quantization_config.version", "gemv")]
    [InlineData("{\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": 128, \"version\": \"exllama\"}", "quantization_config.version", "exllama")]
    [InlineData("{\"quant_method\": \"awq\", \"bits\": 8, \"group_size\": 128}", "quantization_config.bits", "8")]
    [InlineData("{\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": 128, \"zero_point\": false}", "quantization_config.zero_point", "false")]
    [InlineData("{\"quant_method\": \"exl2\", \"bits\": 4}", "quantization_config.quant_method", "exl2")]
    [InlineData("{\"quant_method\": \"bitsandbytes\", \"load_in_4bit\": true}", "quantization_config.quant_method", "bitsandbytes")]
    public void UnsupportedQuantizationConfigsAreRefusedNamingTheField(string quantizationConfig, string field, string value)
    {
        var e = Assert.ThrowsAny<Exception>(() => Parse(WithQuantization(quantizationConfig)));
        Assert.True(e is NotSupportedException or InvalidDataException, e.ToString());
        Assert.Contains($"\"{field}\"", e.Message);
        Assert.Contains(value, e.Message);
        Assert.Contains("test/config.json", e.Message);
    }

    [Fact]
    public void ReadsQwen2Fixture()
    {
        var c = QwenConfig.Load(Path.Combine(RepoPaths.ReferenceModel("qwen2-tiny"), "config.json"));
        Assert.Equal(QwenArchitecture.Qwen2, c.Architecture);
        Assert.Equal((64, 160, 2, 4, 2, 16, 512), (c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, c.VocabSize));
        Assert.True(c.AttentionBias);
        Assert.False(c.OutputProjectionBias);
        Assert.False(c.QkNorm);
        Assert.True(c.TieWordEmbeddings);
        Assert.Equal(1e6, c.RopeTheta);
        Assert.Equal(1e-6, c.RmsNormEps);
        Assert.Equal(RopeScalingKind.None, c.RopeScaling.Kind);
        Assert.Equal(32768, c.MaxPositionEmbeddings);
        Assert.Null(c.SlidingWindow);
        Assert.All(c.SlidingWindowLayers, Assert.False);
        Assert.Equal(510, c.BosTokenId);
        Assert.Equal([511], c.EosTokenIds);
        Assert.Equal("bfloat16", c.TorchDtype);
    }

    [Fact]
    public void ReadsQwen3FixtureWithHeadDimNotHiddenOverHeads()
    {
        var c = QwenConfig.Load(Path.Combine(RepoPaths.ReferenceModel("qwen3-tiny"), "config.json"));
        Assert.Equal(QwenArchitecture.Qwen3, c.Architecture);
        Assert.Equal(24, c.HeadDim);
        Assert.Equal(96, c.QueryDim);
        Assert.Equal(48, c.KeyValueDim);
        Assert.False(c.AttentionBias);
        Assert.True(c.QkNorm);
        Assert.False(c.TieWordEmbeddings);
        Assert.Equal(40960, c.MaxPositionEmbeddings);
    }

    [Fact]
    public void MissingKeysTakeTransformersDefaults()
    {
        var c = Parse("""{"architectures": ["Qwen2ForCausalLM"]}""");
        Assert.Equal((151936, 4096, 22016, 32, 32, 32, 128), (c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim));
        Assert.Equal(1e-6, c.RmsNormEps);
        Assert.Equal(10000.0, c.RopeTheta);
        Assert.Equal(32768, c.MaxPositionEmbeddings);
        Assert.False(c.TieWordEmbeddings);
        Assert.True(c.AttentionBias);
        Assert.Empty(c.EosTokenIds);
        Assert.Null(c.BosTokenId);
    }

    [Fact]
    public void KeyValueHeadsDefaultToHeadsAndQwen2HeadDimIsHiddenOverHeads()
    {
        var c = Parse("""{"architectures": ["Qwen2ForCausalLM"], "hidden_size": 896, "num_attention_heads": 14}""");
        Assert.Equal(14, c.NumKeyValueHeads);
        Assert.Equal(64, c.HeadDim);
    }

    [Fact]
    public void Qwen3HeadDimDefaultsTo128AsInQwen3Config()
    {
        // transformers' Qwen3Config declares head_dim = 128, so a config without it gets 128 even when
        // hidden_size / num_attention_heads differs.
        var c = Parse("""{"architectures": ["Qwen3ForCausalLM"], "hidden_size": 64, "num_attention_heads": 4}""");
        Assert.Equal(128, c.HeadDim);
        Assert.False(c.AttentionBias);
        Assert.True(Parse("""{"architectures": ["Qwen3ForCausalLM"], "attention_bias": true}""").OutputProjectionBias);
    }

    [Fact]
    public void Qwen2KeepsItsBiasesWhateverAttentionBiasSays()
    {
        Assert.True(Parse("""{"architectures": ["Qwen2ForCausalLM"], "attention_bias": false}""").AttentionBias);
    }

    [Fact]
    public void ModelTypeStandsInForMissingArchitectures()
    {
        Assert.Equal(QwenArchitecture.Qwen3, Parse("""{"model_type": "qwen3"}""").Architecture);
    }

    [Fact]
    public void EosTokenIdMayBeAList()
    {
        Assert.Equal([151645, 151643], Parse("""{"architectures": ["Qwen2ForCausalLM"], "eos_token_id": [151645, 151643]}""").EosTokenIds);
    }

    [Fact]
    public void ReadsLinearScalingWithTypeKey()
    {
        var s = Parse("""{"architectures": ["Qwen2ForCausalLM"], "rope_scaling": {"type": "linear", "factor": 2.0}}""").RopeScaling;
        Assert.Equal(RopeScalingKind.Linear, s.Kind);
        Assert.Equal(2.0, s.Factor);
    }

    [Fact]
    public void ReadsDynamicScalingWithRopeTypeKey()
    {
        var s = Parse("""{"architectures": ["Qwen2ForCausalLM"], "rope_scaling": {"rope_type": "dynamic", "factor": 4}}""").RopeScaling;
        Assert.Equal(RopeScalingKind.Dynamic, s.Kind);
        Assert.Equal(4.0, s.Factor);
    }

    [Fact]
    public void ReadsYarnScaling()
    {
        var s = Parse("""
            {"architectures": ["Qwen3ForCausalLM"], "max_position_embeddings": 131072,
             "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768,
                              "beta_fast": 16, "beta_slow": 2, "attention_factor": 1.2}}
            """).RopeScaling;
        Assert.Equal(RopeScalingKind.Yarn, s.Kind);
        Assert.Equal(4.0, s.Factor);
        Assert.Equal(32768, s.OriginalMaxPositionEmbeddings);
        Assert.Equal(16.0, s.BetaFast);
        Assert.Equal(2.0, s.BetaSlow);
        Assert.Equal(1.2, s.AttentionFactor);
    }

    [Fact]
    public void YarnWithoutFactorUsesMaxOverOriginalPositions()
    {
        var s = Parse("""
            {"architectures": ["Qwen2ForCausalLM"], "max_position_embeddings": 65536,
             "rope_scaling": {"type": "yarn", "original_max_position_embeddings": 16384}}
            """).RopeScaling;
        Assert.Equal(4.0, s.Factor);
    }

    [Fact]
    public void ReadsTransformers5RopeParameters()
    {
        var c = Parse("""{"architectures": ["Qwen3ForCausalLM"], "rope_parameters": {"rope_type": "default", "rope_theta": 5000000.0}}""");
        Assert.Equal(5e6, c.RopeTheta);
        Assert.Equal(RopeScalingKind.None, c.RopeScaling.Kind);
    }

    [Fact]
    public void SlidingWindowAppliesFromMaxWindowLayersOnlyWhenEnabled()
    {
        var on = Parse("""{"architectures": ["Qwen2ForCausalLM"], "num_hidden_layers": 3, "use_sliding_window": true, "sliding_window": 100, "max_window_layers": 1}""");
        Assert.Equal([false, true, true], on.SlidingWindowLayers);
        Assert.Equal(100, on.SlidingWindow);
        var off = Parse("""{"architectures": ["Qwen2ForCausalLM"], "num_hidden_layers": 3, "use_sliding_window": false, "sliding_window": 100, "max_window_layers": 1}""");
        Assert.Equal([false, false, false], off.SlidingWindowLayers);
        Assert.Null(off.SlidingWindow);
    }

    [Theory]
    [InlineData("""{"architectures": ["LlamaForCausalLM"]}""", "architectures", "LlamaForCausalLM")]
    [InlineData("""{"architectures": ["Qwen2MoeForCausalLM"]}""", "architectures", "Qwen2MoeForCausalLM")]
    [InlineData("""{"model_type": "llama"}""", "model_type", "llama")]
    [InlineData("""{"architectures": ["Qwen2ForCausalLM"], "hidden_act": "gelu"}""", "hidden_act", "gelu")]
    [InlineData("""{"architectures": ["Qwen2ForCausalLM"], "rope_scaling": {"rope_type": "longrope", "factor": 2}}""", "rope_scaling.rope_type", "longrope")]
    [InlineData("""{"architectures": ["Qwen2ForCausalLM"], "rope_scaling": {"type": "llama3", "factor": 8}}""", "rope_scaling.type", "llama3")]
    [InlineData("""{"architectures": ["Qwen2ForCausalLM"], "rope_parameters": {"rope_type": "default", "partial_rotary_factor": 0.5}}""", "rope_parameters.partial_rotary_factor", "0.5")]
    public void RefusesUnsupported(string json, string field, string value)
    {
        var e = Assert.Throws<NotSupportedException>(() => Parse(json));
        Assert.Contains("test/config.json", e.Message);
        Assert.Contains($"\"{field}\"", e.Message);
        Assert.Contains(value, e.Message);
    }

    [Theory]
    [InlineData("""{"architectures": ["Qwen2ForCausalLM"], "num_attention_heads": 14, "num_key_value_heads": 4}""", "num_key_value_heads", "4")]
    [InlineData("""{"architectures": ["Qwen2ForCausalLM"], "hidden_size": "896"}""", "hidden_size", "\"896\"")]
    [InlineData("""{"architectures": ["Qwen2ForCausalLM"], "hidden_size": -1}""", "hidden_size", "-1")]
    [InlineData("""{"architectures": ["Qwen2ForCausalLM"], "hidden_size": 100, "num_attention_heads": 3}""", "hidden_size", "100")]
    [InlineData("""{"architectures": ["Qwen3ForCausalLM"], "head_dim": 23}""", "head_dim", "23")]
    [InlineData("""{"architectures": ["Qwen2ForCausalLM"], "rope_scaling": {"type": "linear"}}""", "rope_scaling.factor", "missing")]
    [InlineData("""{"architectures": ["Qwen2ForCausalLM"], "rope_scaling": {"type": "linear", "factor": 0.5}}""", "rope_scaling.factor", "0.5")]
    [InlineData("""{"architectures": ["Qwen2ForCausalLM"], "rope_scaling": 4}""", "rope_scaling", "4")]
    [InlineData("""{"architectures": "Qwen2ForCausalLM"}""", "architectures", "Qwen2ForCausalLM")]
    [InlineData("""{"architectures": ["Qwen2ForCausalLM"], "tie_word_embeddings": "yes"}""", "tie_word_embeddings", "yes")]
    public void RejectsMalformedValues(string json, string field, string value)
    {
        var e = Assert.Throws<InvalidDataException>(() => Parse(json));
        Assert.Contains("test/config.json", e.Message);
        Assert.Contains($"\"{field}\"", e.Message);
        Assert.Contains(value, e.Message);
    }

    [Fact]
    public void BadJsonNamesTheFile()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), "{\"hidden_size\": ");
        var e = Assert.Throws<InvalidDataException>(() => QwenConfig.Load(dir.File("config.json")));
        Assert.Contains(dir.File("config.json"), e.Message);
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void ReadsGenerationConfig()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("generation_config.json"), """
            {"bos_token_id": 151643, "pad_token_id": 151643, "do_sample": true, "eos_token_id": [151645, 151643],
             "repetition_penalty": 1.1, "temperature": 0.7, "top_p": 0.8, "top_k": 20, "transformers_version": "4.37.0"}
            """);
        var g = GenerationConfig.Load(dir.File("generation_config.json"));
        Assert.Equal(151643, g.BosTokenId);
        Assert.Equal([151645, 151643], g.EosTokenIds);
        Assert.True(g.DoSample);
        Assert.Equal(0.7, g.Temperature);
        Assert.Equal(0.8, g.TopP);
        Assert.Equal(20, g.TopK);
        Assert.Equal(1.1, g.RepetitionPenalty);
        Assert.Null(g.MinP);

        var fixture = GenerationConfig.Load(Path.Combine(RepoPaths.ReferenceModel("qwen2-tiny"), "generation_config.json"));
        Assert.Equal([511], fixture.EosTokenIds);
        Assert.False(fixture.DoSample);
        Assert.Null(fixture.Temperature);
    }

    [Fact]
    public void GenerationConfigRejectsOutOfRangeTopP()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("generation_config.json"), """{"top_p": 1.5}""");
        var e = Assert.Throws<InvalidDataException>(() => GenerationConfig.Load(dir.File("generation_config.json")));
        Assert.Contains("\"top_p\"", e.Message);
        Assert.Contains("1.5", e.Message);
    }
}
