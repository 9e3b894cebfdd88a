using System.CommandLine;
using System.Diagnostics;
using QwenVk.Reference.KernelChecks;

namespace QwenVk.Cli.Commands;

/// <summary>`qwenvk kernels test`: every kernel check against its CPU reference on the chosen device, like
/// llama.cpp's test-backend-ops; `qwenvk kernels bench` (<see cref="KernelBenchCommand"/>) times them. Runs where there is no .NET SDK (a self-contained publish on a GPU machine).</summary>
static class KernelsCommand
{
    public static Command Create()
    {
        var cmd = new Command("kernels", "Check and benchmark the GLSL kernels on a device.");
        var device = CliCommon.DeviceOption();
        var filter = new Option<string?>("--filter") { Description = "Only checks whose 'kernel/case' name contains this text." };
        var seed = new Option<int?>("--seed") { Description = "Random seed for the inputs (default: a fresh one, printed)." };
        var validation = CliCommon.ValidationOption();
        var test = new Command("test", "Run every kernel against its double-precision CPU reference on fresh random inputs (outputs poisoned first); prints error vs tolerance; exit code 1 on any failure.")
        {
            device, filter, seed, validation,
        };
        test.SetAction(r =>
        {
            using var ctx = CliCommon.OpenDevice(r.GetValue(device), r.GetValue(validation));
            int s = r.GetValue(seed) ?? Random.Shared.Next();
            Console.WriteLine($"device: {ctx.Capabilities.Name} ({ctx.Capabilities.Kind}, subgroup {ctx.Capabilities.SubgroupSize}); seed {s}");
            Console.WriteLine($"{"kernel/case",-58} {"error",10} {"tolerance",10} {"ms",8}  result");
            int failed = 0, total = 0;
            var f = r.GetValue(filter);
            foreach (var check in AllKernelChecks.All().Where(c => f is null || c.ToString().Contains(f, StringComparison.OrdinalIgnoreCase)))
            {
                total++;
                var sw = Stopwatch.StartNew();
                double error;
                string? crash = null;
                try
                {
                    error = check.Run(ctx, new Random(s));
                }
                catch (Exception e)
                {
                    error = double.NaN;
                    crash = e.Message;
                }
                bool ok = error <= check.Tolerance && ctx.Validation.Count == 0;
                if (!ok) failed++;
                Console.WriteLine($"{Trim(check.ToString(), 58),-58} {error,10:E2} {check.Tolerance,10:E1} {sw.Elapsed.TotalMilliseconds,8:F1}  {(ok ? "ok" : "FAIL")}{(crash is null ? "" : "  " + crash)}");
                foreach (var m in ctx.Validation.Messages) Console.WriteLine("    validation: " + m);
                ctx.Validation.Clear();
            }
            Console.WriteLine($"{total - failed}/{total} checks passed");
            return failed == 0 && total > 0 ? 0 : 1;
        });
        cmd.Subcommands.Add(test);
        cmd.Subcommands.Add(KernelBenchCommand.Create(device, new Option<string?>("--filter") { Description = "Only cases whose id ('0.5b/decode/matvec.q') or shape contains this text." }));
        return cmd;
    }

    static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
