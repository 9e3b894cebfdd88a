using System.CommandLine;
using QwenVk.Cli;
using QwenVk.Cli.Commands;

var root = new RootCommand("qwenvk: run Qwen2, Qwen2.5 and Qwen3 models on any Vulkan GPU (and the CPU driver lavapipe).");
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(ChatCommand.Create());
root.Subcommands.Add(TokenizeCommand.Create());
root.Subcommands.Add(DevicesCommand.Create());
root.Subcommands.Add(KernelsCommand.Create());
root.Subcommands.Add(GraphCommand.Create());
root.Subcommands.Add(LogitsCommand.Create());
root.Subcommands.Add(MakeModelCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(PerplexityCommand.Create());
root.Options.Add(new Option<bool>(CliErrors.VerboseFlag)
{
    Description = "On an error, print its stack trace after the one-line message.",
    Recursive = true,
});
// Every error is printed as one line by CliErrors, not as a stack trace by the parser's handler. Ctrl+C is
// CtrlC's (no termination handler from the parser: it would end chat in the middle of a reply).
int code = await CliErrors.RunAsync(() => root.Parse(args).InvokeAsync(new InvocationConfiguration
{
    EnableDefaultExceptionHandler = false,
    ProcessTerminationTimeout = null,
}), verbose: args.Contains(CliErrors.VerboseFlag));
if (CliCommon.ValidationMessages > 0 && code == 0)
{
    Console.Error.WriteLine($"error: the Vulkan validation layer reported {CliCommon.ValidationMessages} message(s) (printed above as 'validation:').");
    return 1;
}
return code;
