using System.CommandLine;
using QwenVk.Model.Inference;

namespace QwenVk.Cli.Commands;

/// <summary>`qwenvk graph`: what the scheduler made of a model: nodes, barriers, dispatches, arena, GPU time.</summary>
static class GraphCommand
{
    public static Command Create()
    {
        var model = ModelArgument.Option();
        var demo = ModelArgument.DemoOption();
        var phase = new Option<string>("--phase") { Description = "decode (one token) or prefill.", DefaultValueFactory = _ => "decode" };
        var tokens = new Option<int>("--tokens") { Description = "Prompt length of the prefill graph.", DefaultValueFactory = _ => 128 };
        var dot = new Option<string?>("--dot") { Description = "Write the compiled graph as Graphviz DOT to this file (render: dot -Tsvg FILE -o graph.svg)." };
        var dump = new Option<bool>("--dump") { Description = "Print every node with its inputs, outputs, memory locations and barriers." };
        var profile = new Option<bool>("--profile") { Description = "Run the graph once with GPU timestamps and print the time per kernel kind and the slowest nodes." };
        var noFuse = new Option<bool>("--no-fuse") { Description = "Compile without fusion passes (to compare)." };
        var device = CliCommon.DeviceOption();
        var ctxLen = CliCommon.ContextOption();
        var quant = CliCommon.QuantOption();
        var cmd = new Command("graph", "Compile a model's decode or prefill graph and report nodes, fusions, barriers, dispatches and memory (optionally DOT and a GPU profile).")
        {
            model, demo, phase, tokens, dot, dump, profile, noFuse, device, ctxLen, quant,
        };
        cmd.SetAction(r =>
        {
            int n = r.GetValue(phase) switch
            {
                "decode" => 1,
                "prefill" => r.GetValue(tokens),
                var p => throw new ArgumentException($"--phase must be decode or prefill, got '{p}'."),
            };
            CliCommon.CheckContext(r.GetValue(ctxLen));
            var resolved = ModelArgument.Resolve(r.GetValue(model), r.GetValue(demo));
            using var ctx = CliCommon.OpenDevice(r.GetValue(device));
            var options = new ModelOptions
            {
                ContextLength = r.GetValue(ctxLen) ?? Math.Max(n + 1, 256),
                MaxPrefillTokens = Math.Max(n, 1),
                Compile = new() { Fuse = !r.GetValue(noFuse) },
                Quant = r.GetValue(quant),
            };
            using var m = CliCommon.LoadModel(ctx, resolved, options);
            var g = m.Graph(n);
            var mem = g.Memory();
            Console.WriteLine($"graph {g.Name} on {ctx.Capabilities.Name}");
            Console.WriteLine($"  declared nodes  {g.DeclaredNodeCount}");
            Console.WriteLine($"  fused away      {g.FusedAway}");
            Console.WriteLine($"  culled          {g.CulledAway}");
            Console.WriteLine($"  dispatches      {g.DispatchCount}");
            Console.WriteLine($"  barriers        {g.BarrierCount} (hazards only; plus one at the start and end of each of {g.ChunkCount} command buffers)");
            Console.WriteLine($"  arena           {mem.ArenaBytes / 1048576.0:F2} MiB for {mem.TransientBytes / 1048576.0:F2} MiB of transient tensors");
            foreach (var (category, bytes) in mem.ExternalBytes.OrderBy(k => k.Key))
                Console.WriteLine($"  {category,-15} {bytes / 1048576.0:F2} MiB");
            if (r.GetValue(dump)) Console.WriteLine(g.Dump());
            if (r.GetValue(dot) is { } file)
            {
                File.WriteAllText(file, g.ToDot());
                Console.WriteLine($"  wrote {file}");
            }
            if (r.GetValue(profile))
            {
                // A real run first: it writes the step buffer the profile replays, and warms up pipelines that
                // some drivers compile lazily.
                m.Reset();
                m.Forward(new int[n]);
                Console.WriteLine(g.Profile().ToText());
            }
            return 0;
        });
        return cmd;
    }
}
