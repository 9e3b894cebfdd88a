using System.CommandLine;
using System.Text.Json;
using QwenVk.Model.Text;

namespace QwenVk.Cli.Commands;

/// <summary>`qwenvk tokenize`: text on stdin to token ids, for checking the tokenizer against Hugging Face's.</summary>
static class TokenizeCommand
{
    public static Command Create()
    {
        var model = ModelArgument.Option();
        var tokenizer = new Option<string?>("--tokenizer", "-t") { Description = "A tokenizer.json (or .json.gz) file on its own, instead of a model's (--model)." };
        var json = new Option<bool>("--json") { Description = "Print the ids of the whole input as one JSON array." };
        var jsonl = new Option<bool>("--jsonl") { Description = "Each input line is a JSON string; each output line is the JSON array of its ids (bulk checks)." };
        var literal = new Option<bool>("--literal") { Description = "Encode special-token text (e.g. <|im_start|>) as plain text, as for untrusted user input." };
        var cmd = new Command("tokenize", "Read text on stdin and print its token ids (space-separated, or JSON).")
        {
            model, tokenizer, json, jsonl, literal,
        };
        cmd.SetAction(r =>
        {
            if (r.GetValue(tokenizer) is not null && r.GetValue(model) is not null)
                throw new ArgumentException("--tokenizer and --model exclude each other: give a tokenizer file or a model.");
            var path = r.GetValue(tokenizer) ?? Path.Combine(ModelArgument.Resolve(r.GetValue(model), demo: false).Folder, "tokenizer.json");
            if (Directory.Exists(path)) path = Path.Combine(path, "tokenizer.json");
            var tok = QwenTokenizer.Load(path);
            Func<string, int[]> encode = r.GetValue(literal) ? tok.EncodeLiteral : tok.Encode;
            var stdin = new StreamReader(Console.OpenStandardInput(), new System.Text.UTF8Encoding(false));
            if (r.GetValue(jsonl))
            {
                int lineNo = 0;
                for (string? line; (line = stdin.ReadLine()) is not null;)
                {
                    lineNo++;
                    if (line.Length == 0) continue;
                    string text;
                    try
                    {
                        text = JsonSerializer.Deserialize<string>(line) ?? throw new JsonException("null");
                    }
                    catch (JsonException e)
                    {
                        throw new FormatException($"stdin line {lineNo} is not a JSON string ({e.Message}); --jsonl expects one JSON string per line.");
                    }
                    Console.WriteLine(JsonSerializer.Serialize(encode(text)));
                }
                return 0;
            }
            var ids = encode(stdin.ReadToEnd());
            Console.WriteLine(r.GetValue(json) ? JsonSerializer.Serialize(ids) : string.Join(' ', ids));
            return 0;
        });
        return cmd;
    }
}
