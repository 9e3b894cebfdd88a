namespace QwenVk.Model.Text;

/// <summary>An entry of tokenizer.json's "added_tokens": matched on the raw text before BPE.</summary>
/// <param name="Special">Hugging Face's "special" flag: skipped by Decode(skipSpecialTokens: true).</param>
public sealed record AddedToken(int Id, string Content, bool Special);
