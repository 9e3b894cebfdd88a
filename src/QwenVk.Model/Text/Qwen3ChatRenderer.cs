namespace QwenVk.Model.Text;

/// <summary>
/// Qwen3's chat template (tokenizer_config.json), tools branch left out. What it does for plain chats:
/// <list type="bullet">
/// <item>A first system message is rendered as is; there is no default system prompt.</item>
/// <item>last_query_index: the index of the last user message whose content is not a whole
///   &lt;tool_response&gt;...&lt;/tool_response&gt; (messages.Count - 1 when there is none).</item>
/// <item>Assistant messages: reasoning = reasoning_content if given, else the text between the last &lt;think&gt;
///   before the first &lt;/think&gt; and that &lt;/think&gt; (content = text after the last &lt;/think&gt;), with
///   '\n' trimmed as the template does. Only assistant turns after last_query_index keep a think block, and only if
///   they are the last message or have non-empty reasoning; earlier turns keep just their answer (reasoning dropped).</item>
/// <item>add_generation_prompt adds '&lt;|im_start|&gt;assistant\n', plus an empty think block when
///   enable_thinking is false (true is the same as not passing it).</item>
/// </list>
/// </summary>
static class Qwen3ChatRenderer
{
    const string ThinkOpen = "<think>";
    const string ThinkClose = "</think>";

    public static ChatPrompt Render(IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt, bool enableThinking)
    {
        var prompt = new PromptBuilder();
        if (messages[0].Role == MessageRole.System)
            prompt.Template("<|im_start|>system\n").Content(messages[0].Content).Template("<|im_end|>\n");

        int lastQueryIndex = LastQueryIndex(messages);
        for (int i = 0; i < messages.Count; i++)
        {
            ChatTurn message = messages[i];
            if (message.Role == MessageRole.User || (message.Role == MessageRole.System && i != 0))
            {
                prompt.Template($"<|im_start|>{ChatTemplate.RoleName(message.Role)}\n")
                    .Content(message.Content)
                    .Template("<|im_end|>\n");
            }
            else if (message.Role == MessageRole.Assistant)
            {
                RenderAssistant(prompt, message, keepReasoning: i > lastQueryIndex, isLast: i == messages.Count - 1);
            }
        }

        if (addGenerationPrompt)
        {
            prompt.Template("<|im_start|>assistant\n");
            if (!enableThinking)
                prompt.Template("<think>\n\n</think>\n\n");
        }
        return prompt.Build();
    }

    static int LastQueryIndex(IReadOnlyList<ChatTurn> messages)
    {
        for (int i = messages.Count - 1; i >= 0; i--)
        {
            string content = messages[i].Content;
            bool isToolResponse = content.StartsWith("<tool_response>", StringComparison.Ordinal)
                && content.EndsWith("</tool_response>", StringComparison.Ordinal);
            if (messages[i].Role == MessageRole.User && !isToolResponse)
                return i;
        }
        return messages.Count - 1;
    }

    static void RenderAssistant(PromptBuilder prompt, ChatTurn message, bool keepReasoning, bool isLast)
    {
        string content = message.Content;
        string reasoning = "";
        if (message.ReasoningContent is not null)
        {
            reasoning = message.ReasoningContent;
        }
        else if (content.Contains(ThinkClose, StringComparison.Ordinal))
        {
            // Python: content.split('</think>')[-1].lstrip('\n') and
            //         content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n')
            string beforeFirstClose = content[..content.IndexOf(ThinkClose, StringComparison.Ordinal)].TrimEnd('\n');
            int lastOpen = beforeFirstClose.LastIndexOf(ThinkOpen, StringComparison.Ordinal);
            reasoning = (lastOpen < 0 ? beforeFirstClose : beforeFirstClose[(lastOpen + ThinkOpen.Length)..]).TrimStart('\n');
            content = content[(content.LastIndexOf(ThinkClose, StringComparison.Ordinal) + ThinkClose.Length)..].TrimStart('\n');
        }

        prompt.Template("<|im_start|>assistant\n");
        if (keepReasoning && (isLast || reasoning.Length > 0))
        {
            prompt.Template("<think>\n").Content(reasoning.Trim('\n')).Template("\n</think>\n\n")
                .Content(content.TrimStart('\n'));
        }
        else
        {
            prompt.Content(content);
        }
        prompt.Template("<|im_end|>\n");
    }
}
