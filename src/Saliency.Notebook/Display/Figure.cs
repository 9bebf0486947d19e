using Plotly.NET;

namespace Saliency.Notebook.Display;

/// <summary>
/// A named, sized visual that draws with plotly.js: a Plotly chart or an HTML body (e.g. the brushing tool).
/// The name and size are what export uses for file names and screenshot windows.
/// </summary>
public sealed class Figure
{
    /// <summary>Size used when a chart's layout gives none.</summary>
    public const int DefaultWidth = 900, DefaultHeight = 500;

    private Figure(string name, int width, int height, string bodyHtml, GenericChart? chart)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A figure needs a name (used for exported file names).", nameof(name));
        Name = name;
        Width = width;
        Height = height;
        BodyHtml = bodyHtml;
        Chart = chart;
    }

    /// <summary>Short name, used for exported file names.</summary>
    public string Name { get; }

    /// <summary>Width in CSS pixels.</summary>
    public int Width { get; }

    /// <summary>Height in CSS pixels.</summary>
    public int Height { get; }

    /// <summary>HTML fragment that draws the figure; it expects <c>window.Plotly</c> to be loaded already.</summary>
    public string BodyHtml { get; }

    /// <summary>The Plotly chart this figure was made from, or null for an HTML-bodied figure.</summary>
    public GenericChart? Chart { get; }

    /// <summary>A figure of one Plotly chart; its size comes from the chart's layout when set.</summary>
    public static Figure FromChart(GenericChart chart, string name)
    {
        (int width, int height) = PlotlyHtml.LayoutSize(chart);
        return new Figure(name, width, height, PlotlyHtml.ChartBody(chart, width, height), chart);
    }

    /// <summary>A figure whose body is custom HTML that uses plotly.js (it must not load plotly.js itself).</summary>
    public static Figure FromHtml(string name, string bodyHtml, int width, int height) => new(name, width, height, bodyHtml, null);

    /// <summary>The figure as a standalone HTML page with plotly.js inlined (for export and screenshots).</summary>
    public string ToStandaloneHtml() => PlotlyHtml.Page(Name, new[] { this }, PlotlyJsSource.Inline);

    /// <inheritdoc />
    public override string ToString() => $"Figure '{Name}' ({Width}x{Height}{(Chart == null ? ", HTML" : $", {GenericChart.countTrace(Chart)} traces")})";
}
