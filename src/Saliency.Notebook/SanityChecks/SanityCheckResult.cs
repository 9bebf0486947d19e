using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Data.Analysis;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.IO;

namespace Saliency.Notebook.SanityChecks;

/// <summary>Which way a check's headline metric improves.</summary>
public enum MetricDirection
{
    /// <summary>Larger values mean more meaningful saliency.</summary>
    Higher,
    /// <summary>Smaller values mean more meaningful saliency.</summary>
    Lower,
}

/// <summary>One named y series of a <see cref="SanityCurve"/>, aligned with its x values.</summary>
/// <param name="Name">Legend entry.</param>
/// <param name="Y">One value per x (NaN where undefined).</param>
public sealed record CurveSeries(string Name, IReadOnlyList<double> Y);

/// <summary>How a result should be drawn: x values and named y series on shared axes (the plotting code draws it).</summary>
/// <param name="Title">Chart title.</param>
/// <param name="XLabel">x-axis title.</param>
/// <param name="YLabel">y-axis title.</param>
/// <param name="X">The x values.</param>
/// <param name="Series">The lines, each as long as <paramref name="X"/>.</param>
/// <param name="XNames">Names of the x positions when they stand for categories (e.g. labels), else null.</param>
public sealed record SanityCurve(string Title, string XLabel, string YLabel, IReadOnlyList<double> X, IReadOnlyList<CurveSeries> Series,
    IReadOnlyList<string>? XNames = null);

/// <summary>
/// What a sanity check measured: its rows as a data frame, a summary of headline numbers, the curves to plot and the
/// check's metadata; <see cref="Save"/> writes it as <c>result.json</c>
/// (<c>{"check", "description", "direction", "dataset", "method", "rows", "summary", "curves"}</c>).
/// </summary>
public sealed class SanityCheckResult
{
    /// <summary>File name written by <see cref="Save"/>.</summary>
    public const string FileName = "result.json";

    /// <summary>Bundles a check's output with its metadata.</summary>
    public SanityCheckResult(string check, string description, MetricDirection direction, string dataset, string method,
        DataFrame rows, IReadOnlyDictionary<string, object> summary, IReadOnlyList<SanityCurve> curves)
    {
        Check = check; Description = description; Direction = direction; Dataset = dataset; Method = method;
        Rows = rows; Summary = summary; Curves = curves;
    }

    /// <summary>The check's name, e.g. <c>global-masking</c>.</summary>
    public string Check { get; }
    /// <summary>What the check measures.</summary>
    public string Description { get; }
    /// <summary>Which way the headline metric improves.</summary>
    public MetricDirection Direction { get; }
    /// <summary>The dataset it ran on.</summary>
    public string Dataset { get; }
    /// <summary>The saliency method(s) it ran with.</summary>
    public string Method { get; }
    /// <summary>One row per measured point.</summary>
    public DataFrame Rows { get; }
    /// <summary>Headline numbers (double, int, bool or string values), in insertion order.</summary>
    public IReadOnlyDictionary<string, object> Summary { get; }
    /// <summary>The charts the result should be plotted as.</summary>
    public IReadOnlyList<SanityCurve> Curves { get; }

    /// <summary>"higher" or "lower", as written to JSON.</summary>
    public string DirectionText => Direction == MetricDirection.Higher ? "higher" : "lower";

    /// <summary>The result as indented JSON; NaN and infinities are written as null.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("check", Check);
            writer.WriteString("description", Description);
            writer.WriteString("direction", DirectionText);
            writer.WriteString("dataset", Dataset);
            writer.WriteString("method", Method);
            writer.WriteStartArray("rows");
            for (long r = 0; r < Rows.Rows.Count; r++)
            {
                writer.WriteStartObject();
                foreach (var column in Rows.Columns)
                {
                    writer.WritePropertyName(column.Name);
                    WriteValue(writer, column[r]);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteStartObject("summary");
            foreach (var (key, value) in Summary)
            {
                writer.WritePropertyName(key);
                WriteValue(writer, value);
            }
            writer.WriteEndObject();
            writer.WriteStartArray("curves");
            foreach (var curve in Curves)
            {
                writer.WriteStartObject();
                writer.WriteString("title", curve.Title);
                writer.WriteString("x_label", curve.XLabel);
                writer.WriteString("y_label", curve.YLabel);
                writer.WritePropertyName("x");
                WriteNumbers(writer, curve.X);
                if (curve.XNames is { } names)
                {
                    writer.WriteStartArray("x_names");
                    foreach (string name in names) writer.WriteStringValue(name);
                    writer.WriteEndArray();
                }
                writer.WriteStartObject("series");
                foreach (var series in curve.Series)
                {
                    writer.WritePropertyName(series.Name);
                    WriteNumbers(writer, series.Y);
                }
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes <c>result.json</c> into <paramref name="directory"/> atomically (temp file + rename); returns its path.</summary>
    public string Save(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string path = Path.Combine(Path.GetFullPath(directory), FileName);
        AtomicFile.Write(path, Encoding.UTF8.GetBytes(ToJson()));
        return path;
    }

    /// <summary>The summary as aligned "key  value" lines, for a console.</summary>
    public string SummaryText()
    {
        int width = Summary.Keys.Select(k => k.Length).DefaultIfEmpty(0).Max();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Check} on {Dataset} ({Method}); {DirectionText} is better");
        foreach (var (key, value) in Summary)
            text.AppendLine(CultureInfo.InvariantCulture, $"  {key.PadRight(width)}  {Format(value)}");
        return text.ToString();
    }

    private static string Format(object value) => value switch
    {
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable<string> strings => string.Join(", ", strings),
        _ => value.ToString() ?? "",
    };

    private static void WriteNumbers(Utf8JsonWriter writer, IReadOnlyList<double> values)
    {
        writer.WriteStartArray();
        foreach (double v in values) WriteValue(writer, v);
        writer.WriteEndArray();
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case double d: if (double.IsFinite(d)) writer.WriteNumberValue(d); else writer.WriteNullValue(); break;
            case float f: if (float.IsFinite(f)) writer.WriteNumberValue(f); else writer.WriteNullValue(); break;
            case int i: writer.WriteNumberValue(i); break;
            case long l: writer.WriteNumberValue(l); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case string s: writer.WriteStringValue(s); break;
            case IEnumerable<string> strings:
                writer.WriteStartArray();
                foreach (var s in strings) writer.WriteStringValue(s);
                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }
}
