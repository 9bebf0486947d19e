namespace Saliency.Notebook.Plots;

/// <summary>
/// One binned saliency map for drawing: <see cref="Map"/> indexed [bin of the first coordinate, bin of the second]
/// (time × value for series, x × y for trajectories) over the extent [X0,X1] × [Y0,Y1], drawn with origin lower.
/// </summary>
public sealed record MapPanel(double[,] Map, double X0, double X1, double Y0, double Y1)
{
    /// <summary>Smallest value of the map.</summary>
    public double Min => Map.Cast<double>().Min();

    /// <summary>Largest value of the map.</summary>
    public double Max => Map.Cast<double>().Max();
}

/// <summary>A curve drawn under a map or in a dataset plot: a time series (x = time steps) or a trajectory (x, y).</summary>
public sealed record Polyline(double[] X, double[] Y)
{
    /// <summary>A series as a curve over time steps 0..L-1.</summary>
    public static Polyline FromSeries(double[] values) => new(PlotlyObjects.Steps(values.Length), values);

    /// <summary>A trajectory given as L points of (x, y).</summary>
    public static Polyline FromTrajectory(double[][] points) => new(points.Select(p => p[0]).ToArray(), points.Select(p => p[1]).ToArray());

    /// <summary>Every series of a (N, L) array as a curve.</summary>
    public static IReadOnlyList<Polyline> FromSeries(double[][] series) => series.Select(FromSeries).ToList();

    /// <summary>Every trajectory of a (N, L, 2) array as a curve.</summary>
    public static IReadOnlyList<Polyline> FromTrajectories(double[][][] trajectories) => trajectories.Select(FromTrajectory).ToList();
}

/// <summary>
/// A named line drawn over every panel of a map figure, e.g. a runway over the flights that land on it; its name shows in the
/// legend and on hover.
/// </summary>
/// <param name="Name">Legend and hover text, e.g. <c>runway 16/34</c>.</param>
/// <param name="Line">The line's points, in the panel's coordinates.</param>
public sealed record ReferenceLine(string Name, Polyline Line);

/// <summary>
/// How the x and y axes of a trajectory figure relate: y spans <paramref name="ScaleRatio"/> times the pixels per unit of x
/// (1 = equal aspect; 1/cos(latitude) keeps distances true for longitude × latitude), with <paramref name="Lines"/> drawn
/// over every panel.
/// </summary>
/// <param name="ScaleRatio">Pixels per y unit over pixels per x unit (plotly's <c>scaleratio</c>).</param>
/// <param name="Lines">Lines drawn over every panel (none by default).</param>
public sealed record AxisFrame(double ScaleRatio, IReadOnlyList<ReferenceLine> Lines)
{
    /// <summary>Equal aspect, no lines.</summary>
    public static AxisFrame Equal { get; } = new(1, []);
}

/// <summary>How the global map figures look; the defaults are the paper's time-series settings.</summary>
public sealed record GlobalMapStyle
{
    /// <summary>Figure title.</summary>
    public string? Title { get; init; }

    /// <summary>Opacity of the black curves under the maps (paper: .01 for series, .05 for trajectories).</summary>
    public double CurveAlpha { get; init; } = 0.01;

    /// <summary>Map values below this are not drawn (transparent), as matplotlib's set_under with alpha 0.</summary>
    public double TransparentBelow { get; init; } = 0.05;

    /// <summary>
    /// True (time series): every panel of a component shares that component's min/max colour range; false
    /// (trajectories): each panel is auto-scaled, as the paper's trajectory figures are.
    /// </summary>
    public bool SharedComponentScale { get; init; } = true;

    /// <summary>Reverse the y axis (the symbols dataset is drawn with y downwards).</summary>
    public bool InvertY { get; init; }

    /// <summary>Size of one panel in pixels.</summary>
    public int PanelWidth { get; init; } = 320;

    /// <summary>Size of one panel in pixels.</summary>
    public int PanelHeight { get; init; } = 260;

    /// <summary>x axis title of every panel (e.g. "time step", "x").</summary>
    public string? XTitle { get; init; }

    /// <summary>y axis title of every panel (e.g. "value", "y").</summary>
    public string? YTitle { get; init; }

    /// <summary>The aspect and the lines over every panel (e.g. degrees with runways); null: each axis fits its panel.</summary>
    public AxisFrame? Frame { get; init; }
}
