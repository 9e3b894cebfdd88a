using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using QwenVk.Runtime.Kernels;

namespace QwenVk.Tests.Kernels;

/// <summary>Every push-constant block and specialization-constant list in shaders/ against its C# twin (the structs
/// marked <see cref="GlslPushConstantsAttribute"/> / <see cref="GlslSpecializationAttribute"/>): same fields, order,
/// names and 32-bit types, and no GLSL block without a twin. A field added, dropped, renamed or reordered on one side
/// only fails here instead of reading the wrong bytes on the GPU.</summary>
public sealed partial class ShaderLayoutTests
{
    static readonly string ShaderDir = Path.Combine(RepoPaths.Root, "shaders");

    static string Source(string file) => StripComments(File.ReadAllText(Path.Combine(ShaderDir, file)));

    static string StripComments(string s) => LineComment().Replace(BlockComment().Replace(s, " "), "");

    static List<(string Type, string Name)[]> PushBlocks(string source) =>
        PushBlock().Matches(source).Select(m => Field().Matches(m.Groups[1].Value)
            .Select(f => (f.Groups[1].Value, f.Groups[2].Value)).ToArray()).ToList();

    static List<(int Id, string Type, string Name)> SpecConstants(string source) =>
        SpecConstant().Matches(source).Select(m => (int.Parse(m.Groups[1].Value), m.Groups[2].Value, m.Groups[3].Value))
            .OrderBy(c => c.Item1).ToList();

    static IEnumerable<Type> LayoutStructs() =>
        typeof(Kernel).Assembly.GetTypes().Where(t => t.IsValueType && (t.IsDefined(typeof(GlslPushConstantsAttribute)) || t.IsDefined(typeof(GlslSpecializationAttribute))));

    /// <summary>Instance fields in declaration order, with a record struct's backing-field names unwrapped.</summary>
    static (Type Type, string Name)[] Fields(Type t) =>
        t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).OrderBy(f => f.MetadataToken)
            .Select(f => (f.FieldType, BackingField().Replace(f.Name, "$1"))).ToArray();

    static string Normalize(string name) => name.Replace("_", "").ToLowerInvariant();

    static Type ClrType(string glsl) => glsl switch
    {
        "uint" => typeof(uint),
        "int" => typeof(int),
        "float" => typeof(float),
        "bool" => typeof(uint),  // a specialization constant bool is a 32-bit word
        _ => throw new InvalidOperationException($"GLSL type {glsl} has no 32-bit C# twin here"),
    };

    static void AssertSame(string what, (string Type, string Name)[] glsl, (Type Type, string Name)[] cs)
    {
        Assert.True(glsl.Length == cs.Length, $"{what}: GLSL has {glsl.Length} fields ({string.Join(", ", glsl.Select(g => g.Name))}), C# {cs.Length} ({string.Join(", ", cs.Select(c => c.Name))})");
        for (int i = 0; i < glsl.Length; i++)
        {
            Assert.True(Normalize(glsl[i].Name) == Normalize(cs[i].Name), $"{what}: field {i} is '{glsl[i].Name}' in GLSL, '{cs[i].Name}' in C#");
            Assert.True(ClrType(glsl[i].Type) == cs[i].Type, $"{what}: field '{glsl[i].Name}' is {glsl[i].Type} in GLSL, {cs[i].Type.Name} in C#");
        }
    }

    public static TheoryData<string> Structs() => new(LayoutStructs().Select(t => t.FullName!));

    [Theory, MemberData(nameof(Structs))]
    public void CSharpLayoutEqualsTheShaderBlock(string typeName)
    {
        var t = LayoutStructs().Single(s => s.FullName == typeName);
        var fields = Fields(t);
        Assert.Equal(4 * fields.Length, Marshal.SizeOf(t));
        foreach (var a in t.GetCustomAttributes<GlslPushConstantsAttribute>())
        {
            var blocks = PushBlocks(Source(a.File));
            Assert.True(a.Occurrence < blocks.Count, $"{a.File} has {blocks.Count} push-constant blocks; {t.Name} names block {a.Occurrence}");
            AssertSame($"{t.Name} vs {a.File} push constants", blocks[a.Occurrence], fields);
        }
        foreach (var a in t.GetCustomAttributes<GlslSpecializationAttribute>())
        {
            var constants = SpecConstants(Source(a.File));
            Assert.Equal(Enumerable.Range(0, constants.Count), constants.Select(c => c.Id));
            AssertSame($"{t.Name} vs {a.File} specialization constants", constants.Select(c => (c.Type, c.Name)).ToArray(), fields);
        }
    }

    [Fact]
    public void EveryShaderBlockHasANamedTwin()
    {
        var pushTwins = LayoutStructs().SelectMany(t => t.GetCustomAttributes<GlslPushConstantsAttribute>()).Select(a => (a.File, a.Occurrence)).ToHashSet();
        var specTwins = LayoutStructs().SelectMany(t => t.GetCustomAttributes<GlslSpecializationAttribute>()).Select(a => a.File).ToHashSet();
        var missing = new List<string>();
        foreach (var path in Directory.GetFiles(ShaderDir).Where(p => p.EndsWith(".comp") || p.EndsWith(".glsl")).Order())
        {
            string file = Path.GetFileName(path);
            var source = Source(file);
            for (int i = 0; i < PushBlocks(source).Count; i++)
                if (!pushTwins.Contains((file, i))) missing.Add($"{file} push block {i}");
            if (SpecConstants(source).Count > 0 && !specTwins.Contains(file)) missing.Add($"{file} specialization constants");
        }
        Assert.True(missing.Count == 0, "no C# twin for: " + string.Join("; ", missing));
    }

    [Fact]
    public void TheParserSeesAKnownBlock()
    {
        // Guards the regexes: a parser that found nothing would let every comparison above pass vacuously.
        var block = Assert.Single(PushBlocks(Source("matvec_impl.glsl")));
        Assert.Equal(["N", "M", "K", "rowStride", "col", "eps"], block.Select(f => f.Name));
        Assert.Equal(10, SpecConstants(Source("matvec_impl.glsl")).Count);
        Assert.True(LayoutStructs().Count() >= 15);
    }

    [GeneratedRegex(@"layout\s*\(\s*push_constant\s*\)\s*uniform\s+\w+\s*\{([^}]*)\}")]
    private static partial Regex PushBlock();
    [GeneratedRegex(@"(\w+)\s+(\w+)\s*;")]
    private static partial Regex Field();
    [GeneratedRegex(@"layout\s*\(\s*constant_id\s*=\s*(\d+)\s*\)\s*const\s+(\w+)\s+(\w+)")]
    private static partial Regex SpecConstant();
    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();
    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();
    [GeneratedRegex(@"^<(\w+)>k__BackingField$")]
    private static partial Regex BackingField();
}
