using System.Text.Json;
using QwenVk.Model.Text;

namespace QwenVk.Tests.Text;

/// <summary>Rendering must equal the Jinja templates' output: golden.json's example (rendered by transformers) and
/// chat_cases.json (multi-turn chats rendered by Jinja2 from the same tokenizer_config.json templates; see
/// make_chat_cases.py for why each case exists).</summary>
public sealed class ChatTemplateTests
{
    public static TheoryData<string> JinjaCases() => new(LoadJinjaCases().Select(c => c.GetProperty("name").GetString()!));

    [Fact]
    public void Qwen3GoldenExample_RendersExactly()
    {
        JsonElement example = Golden.Root.GetProperty("chat_template_render_example_qwen3");
        ChatPrompt prompt = new ChatTemplate(ChatTemplateFamily.Qwen3).Render(
            Messages(example.GetProperty("messages")),
            example.GetProperty("add_generation_prompt").GetBoolean(),
            example.GetProperty("enable_thinking").GetBoolean());
        Assert.Equal(example.GetProperty("text").GetString(), prompt.Text);
    }

    [Theory, MemberData(nameof(JinjaCases))]
    public void MultiTurn_RendersLikeJinja(string name)
    {
        JsonElement c = LoadJinjaCases().Single(c => c.GetProperty("name").GetString() == name);
        var family = c.GetProperty("family").GetString() == "qwen3" ? ChatTemplateFamily.Qwen3 : ChatTemplateFamily.Qwen25;
        JsonElement thinking = c.GetProperty("enable_thinking");
        ChatPrompt prompt = new ChatTemplate(family).Render(
            Messages(c.GetProperty("messages")),
            c.GetProperty("add_generation_prompt").GetBoolean(),
            enableThinking: thinking.ValueKind != JsonValueKind.False);
        Assert.Equal(c.GetProperty("text").GetString(), prompt.Text);
        foreach (Range span in prompt.ContentSpans)
            Assert.DoesNotContain("<|im_start|>", prompt.Text[span]);
    }

    [Theory]
    [InlineData("qwen2_5-tokenizer_config.json", ChatTemplateFamily.Qwen25)]
    [InlineData("qwen3-tokenizer_config.json", ChatTemplateFamily.Qwen3)]
    public void Family_IsDetectedFromTokenizerConfig(string file, ChatTemplateFamily expected) =>
        Assert.Equal(expected, ChatTemplate.FromTokenizerConfig(FixturePaths.File(file)).Family);

    [Fact]
    public void UnknownTemplate_IsRefused()
    {
        const string qwen2Style = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{% endfor %}";
        var e = Assert.Throws<NotSupportedException>(() => ChatTemplate.FromTemplateText(qwen2Style, "model/tokenizer_config.json"));
        Assert.Contains("model/tokenizer_config.json", e.Message);
        Assert.Contains("ChatTemplateFamily", e.Message);
    }

    [Theory]
    [InlineData(ChatTemplateFamily.Qwen25)]
    [InlineData(ChatTemplateFamily.Qwen3)]
    public void ToolMessages_AreRefusedClearly(ChatTemplateFamily family)
    {
        var e = Assert.Throws<NotSupportedException>(() => new ChatTemplate(family).Render(
            [ChatTurn.User("weather?"), new ChatTurn(MessageRole.Tool, "{\"t\": 20}")]));
        Assert.Contains("#1", e.Message);
        Assert.Contains("tool", e.Message);
    }

    [Fact]
    public void EmptyChat_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new ChatTemplate(ChatTemplateFamily.Qwen3).Render([]));

    [Fact]
    public void UnknownRoleName_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => ChatTurn.ParseRole("developer"));
        Assert.Contains("developer", e.Message);
    }

    static List<JsonElement> LoadJinjaCases()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(FixturePaths.File("chat_cases.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    internal static List<ChatTurn> Messages(JsonElement messages) =>
        messages.EnumerateArray().Select(m => new ChatTurn(
            ChatTurn.ParseRole(m.GetProperty("role").GetString()!),
            m.GetProperty("content").GetString()!,
            m.TryGetProperty("reasoning_content", out var r) ? r.GetString() : null)).ToList();
}
