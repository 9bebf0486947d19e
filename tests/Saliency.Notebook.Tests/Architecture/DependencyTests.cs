using System.Reflection;
using System.Reflection.Emit;
using Saliency.Notebook.Models;

namespace Saliency.Notebook.Tests.Architecture;

/// <summary>
/// The library's folders depend one way: Data ← Models ← Training; Models ← Explainers ← GlobalMaps ← Pipeline ← SanityChecks;
/// Plots and Display on top. Read from the compiled kit: every type a room's types name in their signatures, fields, attributes
/// and method bodies (IL operands), generic arguments included.
/// </summary>
public class DependencyTests
{
    private const string Kit = "Saliency.Notebook.";

    /// <summary>What each room may use (besides itself); rooms not listed (Plots, Display, Benchmarks) sit on top and may use any.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Data"] = [],
        ["Native"] = [],
        ["Models"] = ["Data"],
        ["Training"] = ["Data", "Models"],
        ["Explainers"] = ["Data", "Models"],
        ["GlobalMaps"] = ["Data", "Models", "Explainers"],
        ["Pipeline"] = ["Data", "Models", "Explainers", "GlobalMaps"],
        ["SanityChecks"] = ["Data", "Models", "Training", "Explainers", "GlobalMaps", "Pipeline"],
    };

    [Fact]
    public void Each_room_uses_only_the_rooms_below_it()
    {
        var graph = Dependencies(typeof(ModelStore).Assembly);
        var violations = new List<string>();
        foreach (var (room, allowed) in Allowed)
            foreach (var (user, used) in graph.Where(e => RoomOf(e.Key) == room))
                foreach (var type in used)
                {
                    string target = RoomOf(type);
                    if (target != room && !allowed.Contains(target)) violations.Add($"{user} ({room}) uses {type} ({target})");
                }
        Assert.True(violations.Count == 0, "Dependencies against the layering:\n" + string.Join("\n", violations.Distinct().Order()));
    }

    [Fact]
    public void The_scan_sees_uses_inside_method_bodies()
    {
        // Training.Trainer calls Models.LatentSpaceHead.DiagonalNormalLogDensity only inside a method body.
        var graph = Dependencies(typeof(ModelStore).Assembly);
        Assert.Contains(graph["Saliency.Notebook.Training.Trainer"], t => t == "Saliency.Notebook.Models.LatentSpaceHead");
        // SanityChecks.SingleClassCheck builds a Trainer in its body (an allowed use, proving the body scan reaches it).
        Assert.Contains(graph["Saliency.Notebook.SanityChecks.SingleClassCheck"], t => t == "Saliency.Notebook.Training.Trainer");
        // And edges across rooms in signatures: a checkpoint error is a Data format error.
        Assert.Contains(graph["Saliency.Notebook.Models.Checkpoints.CheckpointException"], t => t == "Saliency.Notebook.Data.DataFormatException");
    }

    /// <summary>The room of a kit type: the namespace segment after <c>Saliency.Notebook.</c>.</summary>
    private static string RoomOf(string fullName) => fullName[Kit.Length..].Split('.')[0];

    /// <summary>For each kit type (nested types folded into their outermost type), the kit types it uses.</summary>
    private static Dictionary<string, HashSet<string>> Dependencies(Assembly assembly)
    {
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var type in assembly.GetTypes())
        {
            var outer = Outermost(type);
            if (outer.FullName is not { } name || !name.StartsWith(Kit, StringComparison.Ordinal)) continue;
            if (!graph.TryGetValue(name, out var used)) graph[name] = used = new HashSet<string>();
            foreach (var referenced in Referenced(type))
            {
                var target = Outermost(referenced);
                if (target.FullName is { } targetName && targetName.StartsWith(Kit, StringComparison.Ordinal) && targetName != name) used.Add(targetName);
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
        if (type.BaseType is { } baseType) found.Add(baseType);
        found.AddRange(type.GetInterfaces());
        found.AddRange(type.GetCustomAttributesData().Select(a => a.AttributeType));
        found.AddRange(type.GetFields(Everything).Select(f => f.FieldType));
        found.AddRange(type.GetProperties(Everything).Select(p => p.PropertyType));
        found.AddRange(type.GetEvents(Everything).Select(e => e.EventHandlerType!));
        foreach (MethodBase method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            found.AddRange(method.GetParameters().Select(p => p.ParameterType));
            if (method is MethodInfo info) found.Add(info.ReturnType);
            found.AddRange(BodyReferences(method));
        }
        return found.SelectMany(Expand);
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
