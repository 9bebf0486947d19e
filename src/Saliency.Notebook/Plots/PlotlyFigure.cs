using System.Text.Json;
using System.Text.Json.Serialization;

namespace Saliency.Notebook.Plots;

/// <summary>
/// A plotly.js figure as plain data: traces and a layout keyed by plotly.js attribute names, serialised with
/// System.Text.Json into the <c>{"data": [...], "layout": {...}}</c> object that <c>Plotly.newPlot</c> takes.
/// Written by hand because Plotly.NET needs a newer FSharp.Core than the .NET Interactive kernel loads.
/// </summary>
public sealed class PlotlyFigure
{
    private static readonly JsonSerializerOptions DataJsonOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new GapForNonFiniteConverter(singlePrecision: true) },
    };

    private static readonly JsonSerializerOptions LayoutJsonOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new GapForNonFiniteConverter(singlePrecision: false) },
    };

    /// <summary>A figure of <paramref name="traces"/> laid out by <paramref name="layout"/> (null attributes are left out).</summary>
    public PlotlyFigure(IEnumerable<PlotlyTrace> traces, IDictionary<string, object?> layout)
    {
        Data = traces.ToList();
        Layout = layout.Where(attribute => attribute.Value != null).ToDictionary(attribute => attribute.Key, attribute => attribute.Value);
    }

    /// <summary>The traces, in drawing order.</summary>
    public IReadOnlyList<PlotlyTrace> Data { get; }

    /// <summary>The layout attributes (title, size, axes, annotations, ...).</summary>
    public IReadOnlyDictionary<string, object?> Layout { get; }

    /// <summary>Layout width in CSS pixels, or null when the layout sets none.</summary>
    public int? Width => Layout.TryGetValue("width", out object? width) && width is int w ? w : null;

    /// <summary>Layout height in CSS pixels, or null when the layout sets none.</summary>
    public int? Height => Layout.TryGetValue("height", out object? height) && height is int h ? h : null;

    /// <summary>The layout title's text, or null.</summary>
    public string? Title => Layout.TryGetValue("title", out object? title) ? title switch
    {
        string text => text,
        IReadOnlyDictionary<string, object> attributes when attributes.TryGetValue("text", out object? text) => text as string,
        IDictionary<string, object> attributes when attributes.TryGetValue("text", out object? text) => text as string,
        _ => null,
    } : null;

    /// <summary>
    /// The figure as plotly.js JSON: <c>{"data": [...], "layout": {...}}</c>. NaN becomes null (a gap), as plotly.js expects; the
    /// traces' numbers are written at float32 precision (see <see cref="GapForNonFiniteConverter"/>), the layout's in full.
    /// </summary>
    public string ToJson() =>
        $"{{\"data\":{JsonSerializer.Serialize(Data, DataJsonOptions)},\"layout\":{JsonSerializer.Serialize(Layout, LayoutJsonOptions)}}}";

    /// <inheritdoc />
    public override string ToString() => $"plotly figure ({Data.Count} traces{(Title == null ? "" : $", '{Title}'")})";
}

/// <summary>
/// Writes NaN and infinities as null, which plotly.js draws as a gap (JSON has no NaN); with <paramref name="singlePrecision"/>
/// finite numbers are written at float32 precision in their shortest round-trip form (0.12345679, not 0.12345679104328156):
/// the precision of the kit's tensors and more than a chart can show, at about half the characters, which keeps an executed
/// notebook of many figures light.
/// </summary>
internal sealed class GapForNonFiniteConverter(bool singlePrecision) : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (!double.IsFinite(value)) writer.WriteNullValue();
        else if (singlePrecision && (float)value is var single && float.IsFinite(single)) writer.WriteNumberValue(single);
        else writer.WriteNumberValue(value);                                   // the layout, or beyond float32's range
    }
}

/// <summary>One plotly.js trace: its <c>type</c> and attributes by plotly.js name (e.g. <c>x</c>, <c>y</c>, <c>line</c>).</summary>
public sealed class PlotlyTrace : Dictionary<string, object?>
{
    /// <summary>A trace of plotly.js type <paramref name="type"/> (scatter, heatmap, bar, ...).</summary>
    public PlotlyTrace(string type) => this["type"] = type;

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/>; a null value removes the attribute.</summary>
    public PlotlyTrace Set(string name, object? value)
    {
        if (value == null) Remove(name);
        else this[name] = value;
        return this;
    }
}
