using BenchmarkDotNet.Running;
using QwenVk.Benchmarks;

// The kernel benchmark suite (tests/QwenVk.Reference/KernelBenchmarks) under BenchmarkDotNet:
//   dotnet run -c Release --project benchmarks/QwenVk.Benchmarks -- --filter '*MatVec*' --job short
// BenchmarkDotNet needs a Release build (it refuses to measure non-optimized assemblies). The model shapes come from
// QWENVK_BENCH_PRESET (0.5b by default, 7b, all); the device from QWENVK_DEVICE. `qwenvk kernels bench` runs the same
// cases with GPU timestamps and needs no SDK; prefer it for kernel figures (see KernelBenchmark for why).
BenchmarkSwitcher.FromAssembly(typeof(KernelBenchmark).Assembly).Run(args, KernelBenchConfig.Create(args));
