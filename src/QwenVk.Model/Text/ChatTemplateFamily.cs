namespace QwenVk.Model.Text;

/// <summary>The chat templates QwenVk reproduces (their tokenizer_config.json Jinja, without tools).</summary>
public enum ChatTemplateFamily
{
    /// <summary>Qwen2.5-Instruct: default system prompt "You are Qwen, created by Alibaba Cloud. ..." when none is given.</summary>
    Qwen25,

    /// <summary>Qwen3 (hybrid thinking): no default system prompt; enable_thinking; earlier turns' reasoning dropped.</summary>
    Qwen3,
}
