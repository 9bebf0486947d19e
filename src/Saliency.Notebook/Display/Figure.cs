using Saliency.Notebook.Plots;

namespace Saliency.Notebook.Display;

/// <summary>
/// A named, sized visual that draws with plotly.js: a <see cref="PlotlyFigure"/> or an HTML body (e.g. the brushing tool).
/// The name and size are what export uses for file names and screenshot windows.
/// </summary>
public sealed class Figure
{
    /// <summary>Size used when a chart's layout gives none.</summary>
    public const int DefaultWidth = 900, DefaultHeight = 500;

    private Figure(string name, int width, int height, string bodyHtml, PlotlyFigure? chart)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A figure needs a name (used for exported file names).", nameof(name));
        Name = name;
        Width = width;
        Height = height;
        BodyHtml = PlotlyHtml.Marked(name, width, height, bodyHtml);
        Chart = chart;
    }

    /// <summary>Short name, used for exported file names.</summary>
    public string Name { get; }

    /// <summary>Width in CSS pixels.</summary>
    public int Width { get; }

    /// <summary>Height in CSS pixels.</summary>
    public int Height { get; }

    /// <summary>HTML fragment that draws the figure, between the export markers; it expects <c>window.Plotly</c> to be loaded already.</summary>
    public string BodyHtml { get; }

    /// <summary>The plotly.js figure this figure was made from, or null for an HTML-bodied figure.</summary>
    public PlotlyFigure? Chart { get; }

    /// <summary>A figure of one plotly.js figure; its size comes from the layout when set.</summary>
    public static Figure FromChart(PlotlyFigure chart, string name)
    {
        int width = chart.Width ?? DefaultWidth, height = chart.Height ?? DefaultHeight;
        return new Figure(name, width, height, PlotlyHtml.FigureBody(chart, width, height), chart);
    }

    /// <summary>A figure whose body is custom HTML that uses plotly.js (it must not load plotly.js itself).</summary>
    public static Figure FromHtml(string name, string bodyHtml, int width, int height) => new(name, width, height, bodyHtml, null);

    /// <summary>The figure as a standalone HTML page with plotly.js inlined (for export and screenshots).</summary>
    public string ToStandaloneHtml() => PlotlyHtml.Page(Name, new[] { this }, PlotlyJsSource.Inline);

    /// <inheritdoc />
    public override string ToString() => $"Figure '{Name}' ({Width}x{Height}{(Chart == null ? ", HTML" : $", {Chart.Data.Count} traces")})";
}
