namespace QwenVk.Model.Inference;

/// <summary>More tokens than the context holds. Says how many were asked for, the limit, and what to do.</summary>
public sealed class ContextOverflowException(int position, int adding, int context)
    : ArgumentException($"{adding} new tokens after {position} already in context exceed the context length of {context} tokens. " +
                        "Use a shorter prompt, start a new conversation, or load the model with a longer context length.")
{
    public int Context { get; } = context;
}
