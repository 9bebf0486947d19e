using System.Globalization;
using System.Text.Json;

namespace Saliency.Runner;

/// <summary>
/// Papermill's parameter convention for C# notebooks: the cell tagged <c>parameters</c> declares variables with
/// defaults; <c>-p name=value</c> values are converted to each variable's type (as the kernel reports it after that
/// cell ran) and written as C# into a cell tagged <c>injected-parameters</c> right after it.
/// </summary>
public static class NotebookParameters
{
    /// <summary>Tag of the cell that declares the parameters.</summary>
    public const string ParametersTag = "parameters";

    /// <summary>Tag of the cell the runner inserts with the given values.</summary>
    public const string InjectedTag = "injected-parameters";

    /// <summary>
    /// The injected cell's C#: one typed declaration per parameter, typed as the kernel reports the variable
    /// (<paramref name="declared"/>: name → .NET type name such as <c>System.Int32</c> or <c>System.String[]</c>).
    /// Throws <see cref="ArgumentException"/> for a name that is not declared, a type that is not supported or a
    /// value that does not convert.
    /// </summary>
    public static string InjectedSource(IReadOnlyDictionary<string, string> values, IReadOnlyDictionary<string, string> declared)
    {
        var lines = new List<string> { "// Parameters injected by `saliency run -p`" };
        foreach ((string name, string text) in values)
        {
            if (!declared.TryGetValue(name, out string? typeName))
                throw new ArgumentException($"Parameter '{name}' is not declared in the cell tagged '{ParametersTag}' (it declares: {string.Join(", ", declared.Keys.Order(StringComparer.Ordinal))}).");
            Type type = Type.GetType(typeName)
                ?? throw new ArgumentException($"Parameter '{name}' has type {typeName}; parameters may be numbers, bool, string or arrays of these.");
            lines.Add($"{TypeName(type)} {name} = {Literal(Convert(name, text, type), type)};");
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
            // A JSON string is a valid C# string literal (its escapes are a subset of C#'s; '/' is not escaped).
            string s => JsonSerializer.Serialize(s),
            char c => "'" + JsonSerializer.Serialize(c.ToString())[1..^1].Replace("'", "\\'") + "'",
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
