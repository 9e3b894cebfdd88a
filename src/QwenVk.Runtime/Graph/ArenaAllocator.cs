namespace QwenVk.Runtime.Graph;

/// <summary>Where each transient tensor lives in the arena.</summary>
public sealed record ArenaPlacement(IReadOnlyDictionary<GraphTensor, ulong> Offsets, ulong ArenaBytes, ulong TransientBytes);

/// <summary>
/// Places transient tensors in one arena so that tensors whose lifetimes overlap never share bytes, and tensors
/// whose lifetimes are disjoint may. Greedy: largest first, each at the lowest aligned offset that does not collide
/// with an already placed, simultaneously live tensor (the usual "offset calculation" of frame graphs and TFLite).
/// </summary>
public static class ArenaAllocator
{
    public static ArenaPlacement Place(IReadOnlyList<Lifetime> lifetimes, ulong alignment)
    {
        var offsets = new Dictionary<GraphTensor, ulong>();
        var placed = new List<(Lifetime Life, ulong Offset, ulong Size)>();
        ulong arena = 0;
        foreach (var life in lifetimes.OrderByDescending(l => l.Tensor.Type.Bytes).ThenBy(l => l.First))
        {
            ulong size = AlignUp(Math.Max(life.Tensor.Type.Bytes, 4), alignment);
            var busy = placed.Where(p => p.Life.Overlaps(life)).OrderBy(p => p.Offset);
            ulong offset = 0;
            foreach (var b in busy)
            {
                if (offset + size <= b.Offset) break;
                offset = Math.Max(offset, AlignUp(b.Offset + b.Size, alignment));
            }
            placed.Add((life, offset, size));
            offsets[life.Tensor] = offset;
            arena = Math.Max(arena, offset + size);
        }
        return new ArenaPlacement(offsets, arena, Total(lifetimes, alignment));
    }

    /// <summary>Every transient in its own slot: the baseline the aliasing is measured against.</summary>
    public static ArenaPlacement PlaceWithoutAliasing(IReadOnlyList<Lifetime> lifetimes, ulong alignment)
    {
        var offsets = new Dictionary<GraphTensor, ulong>();
        ulong offset = 0;
        foreach (var life in lifetimes)
        {
            offsets[life.Tensor] = offset;
            offset += AlignUp(Math.Max(life.Tensor.Type.Bytes, 4), alignment);
        }
        return new ArenaPlacement(offsets, offset, Total(lifetimes, alignment));
    }

    static ulong Total(IReadOnlyList<Lifetime> lifetimes, ulong alignment) =>
        lifetimes.Aggregate(0UL, (s, l) => s + AlignUp(Math.Max(l.Tensor.Type.Bytes, 4), alignment));

    public static ulong AlignUp(ulong v, ulong a) => (v + a - 1) / a * a;
}
