namespace Saliency.Notebook.Plots;

/// <summary>
/// A rows × columns grid of subplots in one Plotly figure: which axis ids a panel's traces use, its axes' layout
/// entries, and its title annotation (plotly.js has no subplot helper of its own). A gap (a share of the figure) is at most
/// <see cref="MaxGapShare"/> of a cell, so that many rows or columns still leave every panel most of its cell.
/// </summary>
internal sealed class PanelGrid(int rows, int columns, double horizontalGap = 0.04, double verticalGap = 0.08)
{
    /// <summary>The largest share of a cell a gap may take.</summary>
    public const double MaxGapShare = 0.3;

    private readonly double _horizontalGap = Math.Min(horizontalGap, MaxGapShare / columns);
    private readonly double _verticalGap = Math.Min(verticalGap, MaxGapShare / rows);

    public int Rows { get; } = rows;

    public int Columns { get; } = columns;

    /// <summary>Panel titles longer than this are cut with an ellipsis (the whole title shows on hover), so neighbours never overlap.</summary>
    public const int MaxTitleLength = 40;

    /// <summary>The trace-side axis ids ("x", "y2", ...) of the panel at (row, column).</summary>
    public (string X, string Y) AxisIds(int row, int column)
    {
        int k = row * Columns + column + 1;
        return k == 1 ? ("x", "y") : ($"x{k}", $"y{k}");
    }

    private static string Shortened(string title) => title.Length <= MaxTitleLength ? title : title[..(MaxTitleLength - 1)] + "…";

    /// <summary>Adds the panel's x and y axes (with their domains) and its title to <paramref name="layout"/>.</summary>
    public void AddPanel(Dictionary<string, object?> layout, List<object> annotations, int row, int column, string? title,
        Dictionary<string, object> xAxis, Dictionary<string, object> yAxis)
    {
        (string x, string y) = AxisIds(row, column);
        double[] xDomain = { (double)column / Columns + _horizontalGap / 2, (double)(column + 1) / Columns - _horizontalGap / 2 };
        double[] yDomain = { 1 - (double)(row + 1) / Rows + _verticalGap / 2, 1 - (double)row / Rows - _verticalGap / 2 };
        xAxis["domain"] = xDomain;
        xAxis["anchor"] = y;
        yAxis["domain"] = yDomain;
        yAxis["anchor"] = x;
        layout["xaxis" + x[1..]] = xAxis;
        layout["yaxis" + y[1..]] = yAxis;
        if (title != null)
            annotations.Add(PlotlyObjects.Obj(("text", Shortened(title)), ("hovertext", title.Length > MaxTitleLength ? title : null),
                ("x", (xDomain[0] + xDomain[1]) / 2), ("y", yDomain[1]),
                ("xref", "paper"), ("yref", "paper"), ("xanchor", "center"), ("yanchor", "bottom"), ("showarrow", false),
                ("font", PlotlyObjects.Obj(("size", 13)))));
    }
}
