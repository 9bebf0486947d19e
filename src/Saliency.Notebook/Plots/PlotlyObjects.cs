using System.Globalization;

namespace Saliency.Notebook.Plots;

/// <summary>
/// Builds <see cref="PlotlyFigure"/>s from plotly.js attribute names: traces, layouts, axes and colours shared by
/// every chart of the kit. Kept internal: callers see <see cref="PlotlyFigure"/>s.
/// </summary>
internal static class PlotlyObjects
{
    /// <summary>A trace of plotly.js type <paramref name="type"/> with the given attributes (nulls are left out).</summary>
    public static PlotlyTrace Trace(string type, params (string Name, object? Value)[] attributes)
    {
        var trace = new PlotlyTrace(type);
        foreach ((string name, object? value) in attributes) trace.Set(name, value);
        return trace;
    }

    /// <summary>A figure of <paramref name="traces"/> with <paramref name="layout"/> (plotly.js layout attributes), no template.</summary>
    public static PlotlyFigure Chart(IEnumerable<PlotlyTrace> traces, IDictionary<string, object?> layout) => new(traces, layout);

    /// <summary>A plotly.js object attribute (e.g. <c>line</c>, <c>xaxis</c>) from name/value pairs; nulls are left out.</summary>
    public static Dictionary<string, object> Obj(params (string Name, object? Value)[] attributes)
    {
        var obj = new Dictionary<string, object>();
        foreach ((string name, object? value) in attributes)
            if (value != null) obj[name] = value;
        return obj;
    }

    /// <summary>The base layout of every kit figure: white background, a title, a size.</summary>
    public static Dictionary<string, object?> BaseLayout(string? title, int width, int height) => new()
    {
        ["title"] = title == null ? null : Obj(("text", title), ("x", 0.02)),
        ["width"] = width,
        ["height"] = height,
        ["paper_bgcolor"] = "#ffffff",
        ["plot_bgcolor"] = "#ffffff",
        ["font"] = Obj(("family", "DejaVu Sans, Arial, sans-serif"), ("size", 12)),
        ["margin"] = Obj(("l", 55), ("r", 20), ("t", title == null ? 30 : 60), ("b", 50)),
    };

    /// <summary>An axis with light grid lines, as in the paper's matplotlib figures.</summary>
    public static Dictionary<string, object> Axis(string? title = null, bool reversed = false, object? domain = null, string? anchor = null,
        bool showGrid = true, object? range = null) => Obj(
        ("title", title == null ? null : Obj(("text", title))),
        ("autorange", reversed && range == null ? "reversed" : null),
        ("range", range),
        ("domain", domain),
        ("anchor", anchor),
        ("showgrid", showGrid),
        ("gridcolor", "#e5e5e5"),
        ("zeroline", false),
        ("showline", true),
        ("linecolor", "#444444"),
        ("mirror", true),
        ("ticks", "outside"));

    /// <summary>Black (or <paramref name="hex"/>) with opacity <paramref name="alpha"/>, as a CSS rgba() colour.</summary>
    public static string Rgba(string hex, double alpha)
    {
        int r = Convert.ToInt32(hex.Substring(1, 2), 16), g = Convert.ToInt32(hex.Substring(3, 2), 16), b = Convert.ToInt32(hex.Substring(5, 2), 16);
        return string.Create(CultureInfo.InvariantCulture, $"rgba({r},{g},{b},{alpha})");
    }

    /// <summary>0, 1, ..., n-1 as doubles (the time axis of a series).</summary>
    public static double[] Steps(int n) => Enumerable.Range(0, n).Select(i => (double)i).ToArray();
}
