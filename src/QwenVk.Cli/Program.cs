using System.CommandLine;
using QwenVk.Cli;
using QwenVk.Cli.Commands;

var root = new RootCommand("qwenvk: run Qwen2, Qwen2.5 and Qwen3 models on any Vulkan GPU (and the CPU driver lavapipe).");
root.Subcommands.Add(DevicesCommand.Create());
return CliErrors.Run(() => root.Parse(args).Invoke());
