namespace Saliency.Notebook.Display;

/// <summary>Settings of the brushing tool; the defaults are the paper's (grid 200, sigma 5).</summary>
public sealed record BrushingOptions
{
    /// <summary>Page and figure title.</summary>
    public string Title { get; init; } = "Brushing tool: global saliency of the selected samples";

    /// <summary>Bins along the value axis (series) or along both axes (trajectories).</summary>
    public int GridSize { get; init; } = 200;

    /// <summary>Standard deviation of the Gaussian filter, in bins.</summary>
    public double Sigma { get; init; } = 5;

    /// <summary>Normalised map values below this are drawn transparent.</summary>
    public double TransparentBelow { get; init; } = 0.05;

    /// <summary>What the weights are, for the map titles (e.g. "|PC1 projection|").</summary>
    public string WeightName { get; init; } = "|PC1 projection|";

    /// <summary>Opacity of the black curves in the left and right panels.</summary>
    public double CurveAlpha { get; init; } = 0.05;

    /// <summary>Reverse the y axis of curve and map panels (symbols are drawn with y downwards).</summary>
    public bool InvertY { get; init; }

    /// <summary>Height of one label's panel in pixels.</summary>
    public int PanelHeight { get; init; } = 220;

    /// <summary>Width of each of the three columns in pixels.</summary>
    public int ColumnWidth { get; init; } = 480;

    /// <summary>Title of the curve and map panels' x axis, with its unit (series: the time step).</summary>
    public string XTitle { get; init; } = "time step";

    /// <summary>Title of the curve and map panels' y axis, with its unit (e.g. "EOG (a.u.)", "latitude (°N)").</summary>
    public string YTitle { get; init; } = "value";
}
