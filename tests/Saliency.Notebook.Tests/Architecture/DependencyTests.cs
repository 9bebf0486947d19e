using System.Reflection;
using System.Reflection.Emit;
using Saliency.Notebook.Models;

namespace Saliency.Notebook.Tests.Architecture;

/// <summary>
/// Every project in src/ depends one way, deny by default: each room (a folder of the library, or the tool, the runner, the
/// warm-up) lists the rooms it may use, and a room missing from the table, or an edge the table does not allow, fails. IO is the
/// bottom room; Data ← Models ← Training; Models ← Explainers ← GlobalMaps ← Pipeline ← SanityChecks; Plots, Display and
/// Benchmarks above them, then the kernel adapter (Interactive); the runner, then the tool, on top. Read from the compiled assemblies: every type a room's types name in
/// their signatures, fields, attributes and method bodies (IL operands), generic arguments included.
/// </summary>
public class DependencyTests
{
    private const string Kit = "Saliency.Notebook.";

    /// <summary>What each room may use besides itself. A new room, or a new use, must be allowed here on purpose.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["IO"] = [],
        ["Native"] = ["IO"],
        ["Data"] = ["IO"],
        ["Models"] = ["IO", "Data"],
        ["Training"] = ["IO", "Data", "Models"],
        ["Explainers"] = ["IO", "Data", "Models"],
        ["GlobalMaps"] = ["IO", "Data", "Models", "Explainers"],
        ["Pipeline"] = ["IO", "Data", "Models", "Explainers", "GlobalMaps"],
        ["SanityChecks"] = ["IO", "Data", "Models", "Training", "Explainers", "GlobalMaps", "Pipeline"],
        ["Evaluation"] = ["IO", "Data", "Models", "Training", "Explainers", "GlobalMaps"],
        ["Plots"] = ["IO", "Data", "GlobalMaps"],
        ["Benchmarks"] = ["IO", "Native", "Data", "Models", "Training", "Explainers", "GlobalMaps", "Pipeline", "Evaluation"],
        ["Display"] = ["IO", "Native", "Data", "Models", "Training", "Explainers", "GlobalMaps", "Pipeline", "SanityChecks", "Evaluation", "Plots"],
        ["Interactive"] = ["IO", "Native", "Data", "Models", "Training", "Explainers", "GlobalMaps", "Pipeline", "SanityChecks", "Evaluation", "Plots", "Display"],
        ["Apps"] = ["IO", "Native", "Data", "Models", "Training", "Explainers", "GlobalMaps", "Pipeline", "SanityChecks", "Evaluation", "Plots", "Display", "Interactive"],
        ["Warmup"] = [],
        ["Runner"] = ["IO", "Data", "Display", "Plots", "Warmup"],
        ["Tool"] = ["IO", "Native", "Data", "Models", "Training", "Explainers", "GlobalMaps", "Pipeline", "SanityChecks", "Evaluation", "Plots", "Display", "Benchmarks", "Runner"],
    };

    /// <summary>The assemblies of every project in src/.</summary>
    private static readonly Assembly[] Projects =
    [
        typeof(ModelStore).Assembly, typeof(Saliency.Runner.NotebookRunner).Assembly, typeof(Saliency.Cli.Commands.CommandRunner).Assembly,
        Assembly.Load("Saliency.KernelWarmup"),
    ];

    [Fact]
    public void Each_room_uses_only_the_rooms_it_is_allowed()
    {
        var violations = Violations(Dependencies(Projects), Allowed);
        Assert.True(violations.Count == 0, "Dependencies against the layering:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void An_upward_use_and_an_unlisted_room_are_violations()
    {
        // The checker itself, on a graph with one allowed edge, one upward edge (Models → Pipeline) and one room missing from the table.
        var graph = new Dictionary<string, HashSet<string>>
        {
            [Kit + "Models.ModelStore"] = [Kit + "Data.DataPaths", Kit + "Pipeline.GlobalSaliencySteps"],
            [Kit + "Unlisted.Table"] = [Kit + "IO.AtomicFile"],
        };
        var violations = Violations(graph, Allowed);
        Assert.Equal(2, violations.Count);
        Assert.Contains(violations, v => v.Contains("Models.ModelStore (Models) uses Saliency.Notebook.Pipeline.GlobalSaliencySteps (Pipeline)"));
        Assert.Contains(violations, v => v.Contains("room Unlisted is not in the table"));
    }

    [Fact]
    public void The_scan_sees_uses_inside_method_bodies()
    {
        // Training.Trainer calls Models.LatentSpaceHead.DiagonalNormalLogDensity only inside a method body.
        var graph = Dependencies(Projects);
        Assert.Contains(graph["Saliency.Notebook.Training.Trainer"], t => t == "Saliency.Notebook.Models.LatentSpaceHead");
        // SanityChecks.SingleClassCheck builds a Trainer in its body (an allowed use, proving the body scan reaches it).
        Assert.Contains(graph["Saliency.Notebook.SanityChecks.SingleClassCheck"], t => t == "Saliency.Notebook.Training.Trainer");
        // And edges across rooms in signatures: a checkpoint error is a Data format error.
        Assert.Contains(graph["Saliency.Notebook.Models.Checkpoints.CheckpointException"], t => t == "Saliency.Notebook.Data.DataFormatException");
        // The other projects are scanned too: the tool's commands call the library.
        Assert.Contains(graph.Keys, name => name.StartsWith("Saliency.Cli.", StringComparison.Ordinal));
        Assert.Contains(graph.Keys, name => name.StartsWith("Saliency.KernelWarmup.", StringComparison.Ordinal));
    }

    private static List<string> Violations(Dictionary<string, HashSet<string>> graph, Dictionary<string, string[]> allowed)
    {
        var violations = new List<string>();
        foreach (var (user, used) in graph)
        {
            string room = RoomOf(user);
            if (!allowed.TryGetValue(room, out var mayUse))
            {
                violations.Add($"{user}: room {room} is not in the table; give it a row of the rooms it may use");
                continue;
            }
            foreach (var type in used)
            {
                string target = RoomOf(type);
                if (target != room && !mayUse.Contains(target)) violations.Add($"{user} ({room}) uses {type} ({target})");
            }
        }
        return violations.Distinct().Order().ToList();
    }

    /// <summary>The room of a type: the library folder after <c>Saliency.Notebook.</c>, or the project (tool, runner, warm-up).</summary>
    private static string RoomOf(string fullName) =>
        fullName.StartsWith(Kit, StringComparison.Ordinal) ? fullName[Kit.Length..].Split('.')[0]
        : fullName.StartsWith("Saliency.Cli.", StringComparison.Ordinal) ? "Tool"
        : fullName.StartsWith("Saliency.Runner.", StringComparison.Ordinal) ? "Runner"
        : fullName.StartsWith("Saliency.KernelWarmup.", StringComparison.Ordinal) ? "Warmup"
        : fullName;

    private static bool IsOurs(string fullName) => fullName.StartsWith("Saliency.", StringComparison.Ordinal);

    /// <summary>For each of our types (nested types folded into their outermost type), our types it uses.</summary>
    private static Dictionary<string, HashSet<string>> Dependencies(IEnumerable<Assembly> assemblies)
    {
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()))
        {
            var outer = Outermost(type);
            if (outer.FullName is not { } name || !IsOurs(name)) continue;
            if (!graph.TryGetValue(name, out var used)) graph[name] = used = new HashSet<string>();
            foreach (var referenced in Referenced(type))
            {
                var target = Outermost(referenced);
                if (target.FullName is { } targetName && IsOurs(targetName) && targetName != name) used.Add(targetName);
            }
        }
        return graph;
    }

    private static Type Outermost(Type type)
    {
        while (type.IsNested) type = type.DeclaringType!;
        return type.IsGenericType && !type.IsGenericTypeDefinition ? type.GetGenericTypeDefinition() : type;
    }

    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<Type> Referenced(Type type)
    {
        var found = new List<Type>();
        Add(found, () => type.BaseType is { } baseType ? [baseType] : []);
        Add(found, type.GetInterfaces);
        Add(found, () => type.GetCustomAttributesData().Select(a => a.AttributeType));
        Add(found, () => type.GetFields(Everything).Select(f => f.FieldType));
        Add(found, () => type.GetProperties(Everything).Select(p => p.PropertyType));
        Add(found, () => type.GetEvents(Everything).Select(e => e.EventHandlerType!));
        foreach (MethodBase method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            Add(found, () => method.GetParameters().Select(p => p.ParameterType));
            Add(found, () => method is MethodInfo info ? [info.ReturnType] : []);
            Add(found, () => BodyReferences(method));
        }
        return found.SelectMany(Expand);
    }

    /// <summary>
    /// Adds what <paramref name="read"/> finds. A member whose type lives in an assembly the tests do not ship (the warm-up's Roslyn
    /// scripting) names no type of ours, so it is passed over.
    /// </summary>
    private static void Add(List<Type> found, Func<IEnumerable<Type>> read)
    {
        try
        {
            found.AddRange(read().ToList());
        }
        catch (FileNotFoundException)
        {
        }
    }

    /// <summary>A type with its element type and generic arguments, recursively.</summary>
    private static IEnumerable<Type> Expand(Type type)
    {
        if (type.HasElementType) return Expand(type.GetElementType()!);
        if (type.IsGenericParameter) return [];
        var result = new List<Type> { type };
        if (type.IsGenericType) result.AddRange(type.GetGenericArguments().SelectMany(Expand));
        return result;
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The types named by the operands of a method body's IL (calls, field accesses, casts, newobj, ldtoken).</summary>
    private static IEnumerable<Type> BodyReferences(MethodBase method)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var module = method.Module;
        Type[]? typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    int token = BitConverter.ToInt32(il, i);
                    i += 4;
                    MemberInfo? member = null;
                    try { member = module.ResolveMember(token, typeArguments, methodArguments); }
                    catch (ArgumentException) { }
                    switch (member)
                    {
                        case Type t: yield return t; break;
                        case MethodBase m:
                            if (m.DeclaringType is { } owner) yield return owner;
                            if (m is MethodInfo { IsGenericMethod: true } generic) foreach (var argument in generic.GetGenericArguments()) yield return argument;
                            break;
                        case FieldInfo f:
                            if (f.DeclaringType is { } fieldOwner) yield return fieldOwner;
                            yield return f.FieldType;
                            break;
                    }
                    break;
                case OperandType.InlineSwitch:
                    int count = BitConverter.ToInt32(il, i);
                    i += 4 + 4 * count;
                    break;
                default:
                    i += opCode.OperandType switch
                    {
                        OperandType.InlineNone => 0,
                        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                        OperandType.InlineVar => 2,
                        OperandType.InlineI8 or OperandType.InlineR => 8,
                        _ => 4,
                    };
                    break;
            }
        }
    }
}
