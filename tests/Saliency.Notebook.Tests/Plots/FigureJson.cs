using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Saliency.Notebook.Plots;

namespace Saliency.Notebook.Tests.Plots;

/// <summary>A chart as plotly.js sees it: the figure JSON (data, layout) that the page hands to Plotly.newPlot.</summary>
internal sealed class FigureJson
{
    public FigureJson(PlotlyFigure chart) : this(JsonNode.Parse(chart.ToJson())!.AsObject())
    {
    }

    public FigureJson(JsonObject root)
    {
        Data = root["data"]!.AsArray().Select(trace => trace!.AsObject()).ToList();
        Layout = root["layout"]!.AsObject();
    }

    public IReadOnlyList<JsonObject> Data { get; }

    public JsonObject Layout { get; }

    public IEnumerable<JsonObject> OfType(string type) => Data.Where(trace => (string?)trace["type"] == type);

    /// <summary>
    /// The numbers of a data attribute as plotly.js reads them: a JSON array (null as NaN), or a typed array
    /// <c>{dtype, bdata[, shape]}</c> decoded as plotly.js decodes it (little-endian, row-major).
    /// </summary>
    public static double[] Numbers(JsonNode? values)
    {
        if (values is JsonArray array) return array.Select(v => v is null ? double.NaN : (double)v).ToArray();
        if (values is not JsonObject typed) return Array.Empty<double>();
        byte[] bytes = Convert.FromBase64String((string)typed["bdata"]!);
        return (string?)typed["dtype"] switch
        {
            "f4" => Enumerable.Range(0, bytes.Length / 4).Select(i => (double)BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4))).ToArray(),
            "u2" => Enumerable.Range(0, bytes.Length / 2).Select(i => (double)BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * 2))).ToArray(),
            "u1" => bytes.Select(b => (double)b).ToArray(),
            var dtype => throw new NotSupportedException($"dtype {dtype}"),
        };
    }

    /// <summary>A typed 2-D array's rows and columns (its <c>shape</c>).</summary>
    public static (int Rows, int Columns) Shape(JsonNode typed)
    {
        int[] shape = ((string)typed["shape"]!).Split(',').Select(int.Parse).ToArray();
        return (shape[0], shape[1]);
    }

    /// <summary>
    /// A map trace's z in the map's units (<see cref="Charts.MapLevels"/> levels over the range in its meta), NaN where it is
    /// transparent, row-major.
    /// </summary>
    public static double[] MapValues(JsonObject heatmap)
    {
        double low = (double)heatmap["meta"]!["zmin"]!, high = (double)heatmap["meta"]!["zmax"]!;
        return Numbers(heatmap["z"]).Select(level => level == 0 ? double.NaN : low + (level - 1) / (Charts.MapLevels - 1) * (high - low)).ToArray();
    }

    /// <summary>The curves of a trace that draws several, split at its gaps (NaN in y).</summary>
    public static IReadOnlyList<double[]> Segments(JsonObject trace)
    {
        double[] y = Numbers(trace["y"]);
        var segments = new List<double[]>();
        var current = new List<double>();
        foreach (double value in y.Append(double.NaN))
        {
            if (!double.IsNaN(value)) { current.Add(value); continue; }
            if (current.Count > 0) segments.Add(current.ToArray());
            current.Clear();
        }
        return segments;
    }
}
