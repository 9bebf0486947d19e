using System.Globalization;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Scripting;

namespace Saliency.Runner;

/// <summary>
/// Papermill's parameter convention for C# notebooks: the cell tagged <c>parameters</c> declares variables with
/// defaults; <c>-p name=value</c> values are converted to each variable's declared type and written as C# into a
/// cell tagged <c>injected-parameters</c> right after it.
/// </summary>
public static class NotebookParameters
{
    /// <summary>Tag of the cell that declares the parameters.</summary>
    public const string ParametersTag = "parameters";

    /// <summary>Tag of the cell the runner inserts with the given values.</summary>
    public const string InjectedTag = "injected-parameters";

    /// <summary>
    /// The injected cell's C#: one typed declaration per parameter, typed as the parameters cell declared it.
    /// Throws <see cref="ArgumentException"/> for a name the parameters cell does not declare or a value that does
    /// not convert.
    /// </summary>
    public static string InjectedSource(IReadOnlyDictionary<string, string> values, IReadOnlyList<ScriptVariable> declared)
    {
        var lines = new List<string> { "// Parameters injected by `saliency run -p`" };
        foreach ((string name, string text) in values)
        {
            ScriptVariable variable = declared.LastOrDefault(v => v.Name == name)
                ?? throw new ArgumentException($"Parameter '{name}' is not declared in the cell tagged '{ParametersTag}' (it declares: {string.Join(", ", declared.Select(v => v.Name).Distinct())}).");
            lines.Add($"{TypeName(variable.Type)} {name} = {Literal(Convert(name, text, variable.Type), variable.Type)};");
        }
        return string.Join("\n", lines);
    }

    /// <summary>Converts <paramref name="text"/> to <paramref name="type"/> (numbers in the invariant culture, bool, enums, strings, arrays as comma lists).</summary>
    public static object Convert(string name, string text, Type type)
    {
        try
        {
            Type target = Nullable.GetUnderlyingType(type) ?? type;
            if (target == typeof(string)) return text;
            if (target.IsArray)
            {
                Type element = target.GetElementType()!;
                string[] items = text.Length == 0 ? Array.Empty<string>() : text.Split(',', StringSplitOptions.TrimEntries);
                var array = Array.CreateInstance(element, items.Length);
                for (int i = 0; i < items.Length; i++) array.SetValue(Convert(name, items[i], element), i);
                return array;
            }
            if (target.IsEnum) return Enum.Parse(target, text, ignoreCase: true);
            if (target == typeof(bool)) return bool.Parse(text);
            return System.Convert.ChangeType(text, target, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or InvalidCastException)
        {
            throw new ArgumentException($"Parameter '{name}': '{text}' is not a valid {TypeName(type)} ({e.Message}).", e);
        }
    }

    private static string Literal(object value, Type type)
    {
        Type target = Nullable.GetUnderlyingType(type) ?? type;
        return value switch
        {
            string s => SymbolDisplay.FormatLiteral(s, quote: true),
            char c => SymbolDisplay.FormatLiteral(c, quote: true),
            bool b => b ? "true" : "false",
            Array array => $"new {TypeName(target.GetElementType()!)}[] {{ {string.Join(", ", array.Cast<object>().Select(item => Literal(item, target.GetElementType()!)))} }}",
            Enum e => $"{TypeName(target)}.{e}",
            float f => f.ToString("R", CultureInfo.InvariantCulture) + "f",
            double d => d.ToString("R", CultureInfo.InvariantCulture) + "d",
            decimal m => m.ToString(CultureInfo.InvariantCulture) + "m",
            int i => i.ToString(CultureInfo.InvariantCulture),
            long l => l.ToString(CultureInfo.InvariantCulture) + "L",
            IFormattable number => $"({TypeName(target)}){number.ToString(null, CultureInfo.InvariantCulture)}",
            _ => throw new ArgumentException($"Parameters of type {type} are not supported."),
        };
    }

    private static string TypeName(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying) return TypeName(underlying) + "?";
        if (type.IsArray) return TypeName(type.GetElementType()!) + "[]";
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => "bool", TypeCode.Char => "char", TypeCode.String => "string",
            TypeCode.SByte => "sbyte", TypeCode.Byte => "byte", TypeCode.Int16 => "short", TypeCode.UInt16 => "ushort",
            TypeCode.Int32 => "int", TypeCode.UInt32 => "uint", TypeCode.Int64 => "long", TypeCode.UInt64 => "ulong",
            TypeCode.Single => "float", TypeCode.Double => "double", TypeCode.Decimal => "decimal",
            _ when type.IsEnum => "global::" + type.FullName!.Replace('+', '.'),
            _ => throw new ArgumentException($"Parameters of type {type} are not supported: declare it as a number, bool, string, enum or an array of these."),
        };
    }
}
