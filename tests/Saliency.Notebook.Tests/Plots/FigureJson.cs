using System.Text.Json.Nodes;
using Saliency.Notebook.Plots;

namespace Saliency.Notebook.Tests.Plots;

/// <summary>A chart as plotly.js sees it: the figure JSON (data, layout) that the page hands to Plotly.newPlot.</summary>
internal sealed class FigureJson
{
    public FigureJson(PlotlyFigure chart)
    {
        var root = JsonNode.Parse(chart.ToJson())!;
        Data = root["data"]!.AsArray().Select(trace => trace!.AsObject()).ToList();
        Layout = root["layout"]!.AsObject();
    }

    public IReadOnlyList<JsonObject> Data { get; }

    public JsonObject Layout { get; }

    public IEnumerable<JsonObject> OfType(string type) => Data.Where(trace => (string?)trace["type"] == type);
}
