namespace QwenVk.Model.Text;

/// <summary>
/// Qwen2.5-Instruct's chat template (tokenizer_config.json), tools branch left out:
/// <code>
/// if messages[0].role == 'system': '&lt;|im_start|&gt;system\n' + messages[0].content + '&lt;|im_end|&gt;\n'
/// else: '&lt;|im_start|&gt;system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.&lt;|im_end|&gt;\n'
/// for each message: user, assistant (no tool calls) and any system message but the first are rendered as
///     '&lt;|im_start|&gt;' + role + '\n' + content + '&lt;|im_end|&gt;\n'   (the first system message was rendered above)
/// if add_generation_prompt: '&lt;|im_start|&gt;assistant\n'
/// </code>
/// Assistant content is kept verbatim, including any &lt;think&gt; text.
/// </summary>
static class Qwen25ChatRenderer
{
    public const string DefaultSystemPrompt = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

    public static ChatPrompt Render(IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt)
    {
        var prompt = new PromptBuilder();
        bool firstIsSystem = messages[0].Role == MessageRole.System;
        prompt.Template("<|im_start|>system\n");
        if (firstIsSystem)
            prompt.Content(messages[0].Content);
        else
            prompt.Template(DefaultSystemPrompt);
        prompt.Template("<|im_end|>\n");
        for (int i = firstIsSystem ? 1 : 0; i < messages.Count; i++)
        {
            ChatTurn message = messages[i];
            prompt.Template($"<|im_start|>{ChatTemplate.RoleName(message.Role)}\n")
                .Content(message.Content)
                .Template("<|im_end|>\n");
        }
        if (addGenerationPrompt)
            prompt.Template("<|im_start|>assistant\n");
        return prompt.Build();
    }
}
