using QwenVk.Runtime;
using QwenVk.Runtime.Graph;
using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Tests.Graph;

/// <summary>A random DAG of element-wise kernels with its inputs, outputs and buffers, for property tests.</summary>
sealed class RandomGraph : IDisposable
{
    public ComputeGraph Graph { get; } = new("random");
    public List<GraphTensor> Inputs { get; } = new();
    public List<GraphTensor> Outputs { get; } = new();
    readonly List<GpuBuffer> _buffers = new();
    readonly VulkanContext _ctx;
    public int Elements { get; }
    readonly List<(GraphTensor Tensor, Half[] Data)> _weights = new();

    public RandomGraph(VulkanContext ctx, int seed)
    {
        _ctx = ctx;
        var rng = new Random(seed);
        int rows = rng.Next(1, 9), cols = rng.Next(1, 90);
        Elements = rows * cols;
        var type = TensorType.Of(DType.F32, rows, cols);
        var pool = new List<GraphTensor>();
        for (int i = 0, n = rng.Next(1, 4); i < n; i++)
        {
            var t = Graph.Input($"in{i}", type);
            Inputs.Add(t);
            pool.Add(t);
        }
        int nodes = rng.Next(3, 40);
        for (int i = 0; i < nodes; i++)
        {
            // Recent tensors are likelier inputs: long chains and short-lived transients, as in a real model.
            GraphTensor Pick() => pool[Math.Max(0, pool.Count - 1 - (int)Math.Floor(Math.Abs(rng.NextDouble() * rng.NextDouble()) * pool.Count))];
            // Element-wise kernels of every arity, and RMSNorm followed by a weight multiply or a bias add (fusable).
            var a = Pick();
            int kind = rng.Next(5);
            if (kind == 3)
            {
                var normed = Graph.Add($"n{i}.norm", new RmsNormKernel(1e-6f, hasWeight: false), [a], type);
                if (rng.Next(4) > 0) pool.Add(normed);
                a = normed;
            }
            (Kernel k, GraphTensor[] inputs) = kind switch
            {
                0 or 1 => ((Kernel)new AddKernel(), new[] { a, Pick() }),
                2 => (new SiluMulKernel(), new[] { a, Pick() }),
                _ => (new RowBroadcastKernel(rng.Next(2) == 0 ? BroadcastOp.Mul : BroadcastOp.Add), new[] { a, Weight(rng, cols) }),
            };
            if (rng.Next(6) == 0)
            {
                var o = Graph.Output($"out{Outputs.Count}", type);
                Graph.Add($"n{i}", k, inputs, [o]);
                Outputs.Add(o);
                pool.Add(o);
            }
            else
            {
                pool.Add(Graph.Add($"n{i}", k, inputs, type));
            }
        }
        if (Outputs.Count == 0)
        {
            var o = Graph.Output("out_last", type);
            Graph.Add("final", new AddKernel(), [pool[^1], pool[Math.Max(0, pool.Count - 2)]], [o]);
            Outputs.Add(o);
        }
    }

    GraphTensor Weight(Random rng, int cols)
    {
        var t = Graph.Persistent($"w{_weights.Count}", TensorType.Of(DType.F16, cols), "weights");
        _weights.Add((t, Enumerable.Range(0, cols).Select(_ => (Half)(rng.NextDouble() * 2 - 1)).ToArray()));
        return t;
    }

    /// <summary>Fresh buffers for every external tensor, inputs filled from <paramref name="data"/>.</summary>
    public Dictionary<GraphTensor, BufferRange> Bind(float[][] data)
    {
        var map = new Dictionary<GraphTensor, BufferRange>();
        for (int i = 0; i < Inputs.Count; i++)
        {
            var b = _ctx.CreateBuffer(Inputs[i].Type.Bytes, Inputs[i].Name);
            b.Upload<float>(data[i]);
            _buffers.Add(b);
            map[Inputs[i]] = b;
        }
        foreach (var (t, values) in _weights)
        {
            var b = _ctx.CreateBuffer(t.Type.Bytes, t.Name);
            b.Upload<Half>(values);
            _buffers.Add(b);
            map[t] = b;
        }
        foreach (var o in Outputs)
        {
            var b = _ctx.CreateBuffer(o.Type.Bytes, o.Name);
            b.Fill(0x7FC00000);
            _buffers.Add(b);
            map[o] = b;
        }
        return map;
    }

    public float[][] RandomInputs(Random rng) =>
        Inputs.Select(_ => Enumerable.Range(0, Elements).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();

    public float[][] ReadOutputs(Dictionary<GraphTensor, BufferRange> map) =>
        Outputs.Select(o => map[o].Buffer.Read<float>(Elements)).ToArray();

    public void Dispose()
    {
        foreach (var b in _buffers) b.Dispose();
    }
}
