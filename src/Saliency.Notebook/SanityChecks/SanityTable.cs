using System.Reflection;
using System.Text.Json;
using Microsoft.Data.Analysis;

namespace Saliency.Notebook.SanityChecks;

/// <summary>
/// The one conversion from a check's rows to its data frame: each check declares a row record, and every public property of
/// it becomes a column, in declaration order, named in snake_case (<c>KeptSteps</c> → <c>kept_steps</c>).
/// </summary>
public static class SanityTable
{
    /// <summary>The frame of <paramref name="rows"/>: string, double, int, long and bool properties become typed columns.</summary>
    public static DataFrame From<TRow>(IEnumerable<TRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        var columns = typeof(TRow).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .OrderBy(p => p.MetadataToken)
            .Select(property => Column(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name), property, list));
        return new DataFrame(columns);
    }

    private static DataFrameColumn Column<TRow>(string name, PropertyInfo property, List<TRow> rows)
    {
        IEnumerable<T> Values<T>() => rows.Select(row => (T)property.GetValue(row)!);
        return property.PropertyType switch
        {
            var t when t == typeof(string) => new StringDataFrameColumn(name, Values<string>()),
            var t when t == typeof(double) => new DoubleDataFrameColumn(name, Values<double>()),
            var t when t == typeof(int) => new Int32DataFrameColumn(name, Values<int>()),
            var t when t == typeof(long) => new Int64DataFrameColumn(name, Values<long>()),
            var t when t == typeof(bool) => new BooleanDataFrameColumn(name, Values<bool>()),
            var t => throw new NotSupportedException($"{typeof(TRow).Name}.{property.Name} is a {t.Name}; rows hold string, double, int, long or bool."),
        };
    }
}
