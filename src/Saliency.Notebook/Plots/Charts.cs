using System.Globalization;
using NetTopologySuite.Geometries;
using NetTopologySuite.Simplify;
using Saliency.Notebook.Data.Datasets;
using static Saliency.Notebook.Plots.PlotlyObjects;

namespace Saliency.Notebook.Plots;

/// <summary>
/// The kit's figures as plotly.js figures, built from plain arrays so they do not depend on the data or model types:
/// dataset plots, one sample's saliency, global map grids, combined maps, latent PCA scatters, loss curves,
/// sanity-check line charts and bar charts. Colours follow <see cref="LabelColors"/>.
/// </summary>
public static class Charts
{
    /// <summary>matplotlib's YlOrRd as a plotly.js colour scale.</summary>
    public static readonly object[][] YlOrRd = new[] { "#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026" }
        .Select((colour, i) => new object[] { i / 8.0, colour }).ToArray();

    /// <summary>
    /// Time-series dataset: one panel per label (one row each), every series of that label in black with opacity
    /// <paramref name="alpha"/> (paper: .02), so dense regions look darker; one value range for all panels, as in the paper.
    /// When the series are a sample, <paramref name="classSizes"/> (label → series in the whole dataset) titles each panel
    /// "shown of all".
    /// </summary>
    public static PlotlyFigure DatasetSeries(double[][] series, IReadOnlyList<string> labels, string? title = "Dataset", double alpha = 0.02,
        int panelWidth = 900, int panelHeight = 220, IReadOnlyDictionary<string, int>? classSizes = null)
    {
        RequireSameCount(series.Length, labels.Count, "series", "labels");
        List<string> order = Ordered(labels);
        var grid = new PanelGrid(order.Count, 1, verticalGap: 0.12 / order.Count + 0.04);
        var traces = new List<PlotlyTrace>();
        var layout = BaseLayout(title, panelWidth, panelHeight * order.Count + 80);
        var annotations = new List<object>();
        double[] values = series.SelectMany(s => s).Where(double.IsFinite).ToArray();
        double[]? valueRange = values.Length == 0 ? null : Padded(values.Min(), values.Max());
        for (int row = 0; row < order.Count; row++)
        {
            (string x, string y) = grid.AxisIds(row, 0);
            traces.Add(CurvesTrace(Enumerable.Range(0, series.Length).Where(i => labels[i] == order[row]).Select(i => Polyline.FromSeries(series[i])).ToList(),
                Rgba("#000000", alpha), x, y, (panelWidth, panelHeight), order[row]));
            int shown = labels.Count(l => l == order[row]);
            string count = classSizes != null && classSizes.TryGetValue(order[row], out int all) && all > shown ? $"{shown} of {all} shown" : $"{shown} series";
            grid.AddPanel(layout, annotations, row, 0, $"label {LabelText.Display(order[row])} ({count})",
                Axis(row == order.Count - 1 ? "time step" : null), Axis("value", range: valueRange));
        }
        layout["annotations"] = annotations;
        layout["showlegend"] = false;
        return Chart(traces, layout);
    }

    /// <summary>
    /// Trajectory dataset: x against y for every trajectory (N, L, 2), coloured by label with opacity
    /// <paramref name="alpha"/>; <paramref name="invertY"/> for the symbols, which are drawn with y downwards; axis titles
    /// <paramref name="xTitle"/> and <paramref name="yTitle"/> (e.g. longitude and latitude); <paramref name="frame"/> fixes the
    /// aspect and draws its lines (e.g. runways) over the trajectories.
    /// </summary>
    public static PlotlyFigure DatasetTrajectories(double[][][] trajectories, IReadOnlyList<string> labels, string? title = "Dataset",
        double alpha = 0.05, bool invertY = false, int width = 700, int height = 600, string xTitle = "x", string yTitle = "y", AxisFrame? frame = null)
    {
        RequireSameCount(trajectories.Length, labels.Count, "trajectories", "labels");
        IReadOnlyDictionary<string, string> colours = LabelColors.For(Ordered(labels));
        var traces = new List<PlotlyTrace>();
        foreach (string label in Ordered(labels))
            traces.Add(CurvesTrace(Enumerable.Range(0, trajectories.Length).Where(i => labels[i] == label).Select(i => Polyline.FromTrajectory(trajectories[i])).ToList(),
                Rgba(colours[label], alpha), "x", "y", (width, height), label).Set("showlegend", true));
        var layout = BaseLayout(title, width, height);
        layout["xaxis"] = Axis(xTitle);
        var yAxis = Axis(yTitle, reversed: invertY);
        Framed(frame, yAxis, "x", "y", traces, legend: true);
        layout["yaxis"] = yAxis;
        layout["showlegend"] = true;
        return Chart(traces, layout);
    }

    /// <summary>Black to red along time, the paper's flyover figure (aircraft-flyover/dataset_plot.ipynb cell 3).</summary>
    public static readonly object[][] BlackToRed = [[0.0, "#000000"], [1.0, "#ff0000"]];

    /// <summary>matplotlib's coolwarm at nine stops (blue → grey → red), the paper's colours of a stroke along time.</summary>
    public static readonly object[][] Coolwarm = new[] { "#3b4cc0", "#6282ea", "#8db0fe", "#b9d0f9", "#dddcdc", "#f5c4ac", "#f4987a", "#dd5f4b", "#b40426" }
        .Select((colour, i) => new object[] { i / 8.0, colour }).ToArray();

    /// <summary>
    /// The symbols' dataset plot of the paper (symbols/plot_dataset.ipynb): one panel per label, every trajectory (N, L, 2)
    /// as points coloured by time step on coolwarm (blue at the pen's first point, red at its last), so the writing
    /// direction shows; equal aspect, <paramref name="invertY"/> for y downwards. Points stand in for the paper's coloured
    /// segments (a plotly line has one colour); <paramref name="classSizes"/> as in <see cref="DatasetSeries"/>. <paramref name="colourScale"/>
    /// replaces coolwarm (e.g. <see cref="BlackToRed"/>, the flyover figure's); <paramref name="frame"/> replaces the equal aspect
    /// and draws its lines (e.g. runways).
    /// </summary>
    public static PlotlyFigure DatasetTrajectoriesOverTime(double[][][] trajectories, IReadOnlyList<string> labels, string? title = "Dataset",
        double opacity = 0.25, bool invertY = false, int panelSize = 380, string xTitle = "x", string yTitle = "y",
        IReadOnlyDictionary<string, int>? classSizes = null, object[][]? colourScale = null, AxisFrame? frame = null)
    {
        RequireSameCount(trajectories.Length, labels.Count, "trajectories", "labels");
        List<string> order = Ordered(labels);
        var grid = new PanelGrid(1, order.Count, horizontalGap: 0.06);
        var layout = BaseLayout(title, panelSize * order.Count + 140, panelSize + 110);
        var annotations = new List<object>();
        var traces = new List<PlotlyTrace>();
        int length = trajectories.Length == 0 ? 1 : trajectories[0].Length;
        for (int column = 0; column < order.Count; column++)
        {
            (string x, string y) = grid.AxisIds(0, column);
            var members = Enumerable.Range(0, labels.Count).Where(i => labels[i] == order[column]).ToArray();
            double[] xs = members.SelectMany(i => trajectories[i].Select(point => point[0])).ToArray();
            double[] ys = members.SelectMany(i => trajectories[i].Select(point => point[1])).ToArray();
            int[] steps = members.SelectMany(i => Enumerable.Range(0, trajectories[i].Length)).ToArray();
            traces.Add(Trace("scatter", ("mode", "markers"), ("x", PlotlyArrays.Float32(xs)), ("y", PlotlyArrays.Float32(ys)), ("xaxis", x), ("yaxis", y), ("hoverinfo", "skip"), ("showlegend", false),
                ("marker", Obj(("color", PlotlyArrays.Integers(steps)), ("colorscale", colourScale ?? Coolwarm), ("cmin", 0), ("cmax", Math.Max(length - 1, 1)), ("size", 2.5), ("opacity", opacity),
                    ("showscale", column == order.Count - 1), ("colorbar", Obj(("title", Obj(("text", "time step"))), ("thickness", 12), ("x", 1.01)))))));
            int shown = members.Length;
            string count = classSizes != null && classSizes.TryGetValue(order[column], out int all) && all > shown ? $"{shown} of {all} shown" : $"{shown} trajectories";
            var yAxis = Axis(column == 0 ? yTitle : null, reversed: invertY);
            yAxis["scaleanchor"] = x;                                   // equal aspect, as the paper's axis('equal')
            Framed(frame, yAxis, x, y, traces, legend: column == 0);
            grid.AddPanel(layout, annotations, 0, column, $"label {LabelText.Display(order[column])} ({count})", Axis(xTitle), yAxis);
        }
        layout["annotations"] = annotations;
        layout["showlegend"] = false;
        return Chart(traces, layout);
    }

    /// <summary>
    /// One sample's series with each time step coloured by its saliency (YlOrRd, with a colour bar); <paramref name="colourRange"/>
    /// fixes the colour scale (e.g. one range for several charts to compare), else it spans this saliency.
    /// </summary>
    public static PlotlyFigure SampleSaliency(double[] series, double[] saliency, string? title = "Saliency of one sample", int width = 900, int height = 350,
        string valueTitle = "value", (double Min, double Max)? colourRange = null)
    {
        RequireSameCount(series.Length, saliency.Length, "series values", "saliency values");
        var layout = BaseLayout(title, width, height);
        layout["xaxis"] = Axis("time step");
        layout["yaxis"] = Axis(valueTitle);
        layout["showlegend"] = false;
        return Chart(SaliencyTraces(Polyline.FromSeries(series), saliency, colourRange), layout);
    }

    /// <summary>
    /// One trajectory (L, 2) with each point coloured by its saliency (YlOrRd, with a colour bar); <paramref name="colourRange"/> as
    /// for a series; <paramref name="frame"/> fixes the aspect and draws its lines (e.g. runways).
    /// </summary>
    public static PlotlyFigure SampleSaliency(double[][] trajectory, double[] saliency, string? title = "Saliency of one sample", bool invertY = false,
        int width = 600, int height = 550, string xTitle = "x", string yTitle = "y", (double Min, double Max)? colourRange = null, AxisFrame? frame = null)
    {
        RequireSameCount(trajectory.Length, saliency.Length, "trajectory points", "saliency values");
        var layout = BaseLayout(title, width, height);
        layout["xaxis"] = Axis(xTitle);
        var yAxis = Axis(yTitle, reversed: invertY);
        var traces = SaliencyTraces(Polyline.FromTrajectory(trajectory), saliency, colourRange).ToList();
        Framed(frame, yAxis, "x", "y", traces, legend: false);
        layout["yaxis"] = yAxis;
        layout["showlegend"] = false;
        return Chart(traces, layout);
    }

    /// <summary>
    /// The paper's global map grid: rows = principal components, columns = labels. Each panel shows the label's
    /// curves in black (low opacity) under its binned map (origin lower, extent = the binning ranges, YlOrRd, values
    /// below <see cref="GlobalMapStyle.TransparentBelow"/> transparent). <paramref name="maps"/> is [component, label].
    /// </summary>
    public static PlotlyFigure GlobalMapGrid(IReadOnlyList<string> labels, IReadOnlyList<IReadOnlyList<Polyline>> curvesByLabel, MapPanel[,] maps,
        GlobalMapStyle? style = null)
    {
        style ??= new GlobalMapStyle();
        RequireSameCount(curvesByLabel.Count, labels.Count, "curve groups", "labels");
        RequireSameCount(maps.GetLength(1), labels.Count, "map columns", "labels");
        int components = maps.GetLength(0);
        var grid = new PanelGrid(components, labels.Count);
        var layout = BaseLayout(style.Title, style.PanelWidth * labels.Count + 120, style.PanelHeight * components + 90);
        var annotations = new List<object>();
        var traces = new List<PlotlyTrace>();
        for (int c = 0; c < components; c++)
        {
            double componentMin = Enumerable.Range(0, labels.Count).Min(l => maps[c, l].Min);
            double componentMax = Enumerable.Range(0, labels.Count).Max(l => maps[c, l].Max);
            for (int l = 0; l < labels.Count; l++)
            {
                (string x, string y) = grid.AxisIds(c, l);
                traces.Add(CurvesTrace(curvesByLabel[l], Rgba("#000000", style.CurveAlpha), x, y, (style.PanelWidth, style.PanelHeight), labels[l], UnderMapTolerancePixels));
                (double? zMin, double? zMax) = style.SharedComponentScale ? (componentMin, componentMax) : ((double?)null, (double?)null);
                bool showScale = l == labels.Count - 1;
                traces.Add(HeatmapTrace(maps[c, l], style.TransparentBelow, zMin, zMax, x, y,
                    showScale ? ColourBar(grid, c) : null, (style.PanelWidth, style.PanelHeight)));
                var yAxis = Axis(l == 0 ? style.YTitle : null, reversed: style.InvertY,
                    range: style.InvertY ? new[] { maps[c, l].Y1, maps[c, l].Y0 } : new[] { maps[c, l].Y0, maps[c, l].Y1 });
                Framed(style.Frame, yAxis, x, y, traces, legend: false);
                grid.AddPanel(layout, annotations, c, l, $"PC{c + 1}, label {LabelText.Display(labels[l])}",
                    Axis(c == components - 1 ? style.XTitle : null, range: new[] { maps[c, l].X0, maps[c, l].X1 }), yAxis);
            }
        }
        layout["annotations"] = annotations;
        layout["showlegend"] = false;
        return Chart(traces, layout);
    }

    /// <summary>
    /// The paper's combined figure: first panel all curves coloured by label, then one panel per component with
    /// that component's map combined over labels (sum for series, pixel-wise max for trajectories) over black curves.
    /// </summary>
    public static PlotlyFigure CombinedMaps(IReadOnlyList<string> labels, IReadOnlyList<IReadOnlyList<Polyline>> curvesByLabel,
        IReadOnlyList<MapPanel> combinedByComponent, GlobalMapStyle? style = null, double labelledCurveAlpha = 0.1)
    {
        style ??= new GlobalMapStyle();
        RequireSameCount(curvesByLabel.Count, labels.Count, "curve groups", "labels");
        int panels = combinedByComponent.Count + 1;
        var grid = new PanelGrid(1, panels, horizontalGap: 0.06);
        var layout = BaseLayout(style.Title, style.PanelWidth * panels + 120, style.PanelHeight + 110);
        var annotations = new List<object>();
        var traces = new List<PlotlyTrace>();
        IReadOnlyDictionary<string, string> colours = LabelColors.For(labels);
        for (int l = 0; l < labels.Count; l++)
        {
            traces.Add(CurvesTrace(curvesByLabel[l], Rgba(colours[labels[l]], labelledCurveAlpha), "x", "y", (style.PanelWidth, style.PanelHeight), labels[l]));
            traces.Add(LegendEntry(labels[l], colours[labels[l]]));   // the curves are faint; the legend shows the label's colour
        }
        // One colour range for every component's panel, so the one colour bar reads true for all of them.
        double zMin = combinedByComponent.Count == 0 ? 0 : combinedByComponent.Min(m => m.Min);
        double zMax = combinedByComponent.Count == 0 ? 1 : combinedByComponent.Max(m => m.Max);
        Dictionary<string, object> YAxis(MapPanel? map, string? title) => Axis(title, reversed: style.InvertY,
            range: map == null ? null : style.InvertY ? new[] { map.Y1, map.Y0 } : new[] { map.Y0, map.Y1 });
        var firstYAxis = YAxis(null, style.YTitle);
        Framed(style.Frame, firstYAxis, "x", "y", traces, legend: true);
        grid.AddPanel(layout, annotations, 0, 0, "all samples by label", Axis(style.XTitle), firstYAxis);
        for (int c = 0; c < combinedByComponent.Count; c++)
        {
            (string x, string y) = grid.AxisIds(0, c + 1);
            MapPanel map = combinedByComponent[c];
            traces.AddRange(labels.Select((label, l) => CurvesTrace(curvesByLabel[l], Rgba("#000000", style.CurveAlpha), x, y, (style.PanelWidth, style.PanelHeight), label,
                UnderMapTolerancePixels)));
            traces.Add(HeatmapTrace(map, style.TransparentBelow, zMin, zMax, x, y, c == combinedByComponent.Count - 1 ? ColourBar(grid, 0) : null,
                (style.PanelWidth, style.PanelHeight)));
            var yAxis = YAxis(map, null);
            Framed(style.Frame, yAxis, x, y, traces, legend: false);
            grid.AddPanel(layout, annotations, 0, c + 1, $"PC{c + 1}, all labels", Axis(style.XTitle, range: new[] { map.X0, map.X1 }), yAxis);
        }
        layout["annotations"] = annotations;
        layout["showlegend"] = true;
        layout["legend"] = Obj(("orientation", "h"), ("y", -0.2));
        return Chart(traces, layout);
    }

    /// <summary>
    /// A time-series dataset with its saliency (the paper's eog/dataset_plot cell 4): one panel (row) per label, that label's
    /// series in black with opacity <paramref name="curveAlpha"/> under that label's map, drawn from
    /// <paramref name="colourFrom"/> (the map's 90th percentile in the paper: lower values transparent, the colour scale
    /// starting there, matplotlib's <c>vmin</c> with <c>set_under</c> transparent) with opacity <paramref name="opacity"/>, over the
    /// map's extent (time × the series' own value range). When the curves are a sample, <paramref name="classSizes"/> (label →
    /// series in the whole dataset) titles each panel "drawn of all".
    /// </summary>
    public static PlotlyFigure SeriesUnderMaps(IReadOnlyList<string> labels, IReadOnlyList<IReadOnlyList<Polyline>> curvesByLabel, IReadOnlyList<MapPanel> maps,
        IReadOnlyList<double> colourFrom, string? title = null, double curveAlpha = 0.02, double opacity = 0.9, string xTitle = "time step",
        string yTitle = "value", int panelWidth = 900, int panelHeight = 220, IReadOnlyDictionary<string, int>? classSizes = null)
    {
        RequireSameCount(curvesByLabel.Count, labels.Count, "curve groups", "labels");
        RequireSameCount(maps.Count, labels.Count, "maps", "labels");
        RequireSameCount(colourFrom.Count, labels.Count, "colour thresholds", "labels");
        var grid = new PanelGrid(labels.Count, 1, verticalGap: 0.12 / labels.Count + 0.04);
        var layout = BaseLayout(title, panelWidth, panelHeight * labels.Count + 80);
        var annotations = new List<object>();
        var traces = new List<PlotlyTrace>();
        for (int row = 0; row < labels.Count; row++)
        {
            (string x, string y) = grid.AxisIds(row, 0);
            MapPanel map = maps[row];
            traces.Add(CurvesTrace(curvesByLabel[row], Rgba("#000000", curveAlpha), x, y, (panelWidth, panelHeight), labels[row], UnderMapTolerancePixels));
            PlotlyTrace heatmap = HeatmapTrace(map, colourFrom[row], colourFrom[row], map.Max, x, y, ColourBar(grid, row), (panelWidth, panelHeight), opacity);
            heatmap.Set("name", $"PC1 map, label {LabelText.Display(labels[row])}");
            traces.Add(heatmap);
            int shown = curvesByLabel[row].Count;
            string count = classSizes != null && classSizes.TryGetValue(labels[row], out int all) && all > shown ? $"{shown} of {all} series drawn" : $"{shown} series";
            grid.AddPanel(layout, annotations, row, 0, $"label {LabelText.Display(labels[row])} ({count})",
                Axis(row == labels.Count - 1 ? xTitle : null, range: new[] { map.X0, map.X1 }), Axis(yTitle, range: new[] { map.Y0, map.Y1 }));
        }
        layout["annotations"] = annotations;
        layout["showlegend"] = false;
        return Chart(traces, layout);
    }

    /// <summary>
    /// Several methods' global maps of one component side by side: rows = labels, columns = methods, each panel as in
    /// <see cref="GlobalMapGrid"/> (the label's curves in black under its map), all on one [0, 1] colour range with one colour bar.
    /// A column flagged in <paramref name="frequencyColumns"/> holds maps over frequency bins (x) without curves under them.
    /// <paramref name="maps"/> is [label, method].
    /// </summary>
    public static PlotlyFigure MethodMapGrid(IReadOnlyList<string> methods, IReadOnlyList<string> labels, IReadOnlyList<IReadOnlyList<Polyline>> curvesByLabel,
        MapPanel[,] maps, IReadOnlyList<bool> frequencyColumns, GlobalMapStyle? style = null)
    {
        style ??= new GlobalMapStyle();
        RequireSameCount(curvesByLabel.Count, labels.Count, "curve groups", "labels");
        RequireSameCount(maps.GetLength(0), labels.Count, "map rows", "labels");
        RequireSameCount(maps.GetLength(1), methods.Count, "map columns", "methods");
        RequireSameCount(frequencyColumns.Count, methods.Count, "column kinds", "methods");
        var grid = new PanelGrid(labels.Count, methods.Count, horizontalGap: 0.03, verticalGap: 0.1);
        var layout = BaseLayout(style.Title, style.PanelWidth * methods.Count + 120, style.PanelHeight * labels.Count + 110);
        var annotations = new List<object>();
        var traces = new List<PlotlyTrace>();
        for (int l = 0; l < labels.Count; l++)
            for (int m = 0; m < methods.Count; m++)
            {
                (string x, string y) = grid.AxisIds(l, m);
                MapPanel map = maps[l, m];
                bool frequency = frequencyColumns[m];
                if (!frequency) traces.Add(CurvesTrace(curvesByLabel[l], Rgba("#000000", style.CurveAlpha), x, y, (style.PanelWidth, style.PanelHeight), labels[l], UnderMapTolerancePixels));
                traces.Add(HeatmapTrace(map, style.TransparentBelow, 0, 1, x, y, l == 0 && m == methods.Count - 1 ? ColourBar(new PanelGrid(1, 1), 0) : null,
                    (style.PanelWidth, style.PanelHeight)));
                bool invert = style.InvertY && !frequency;
                string? xTitle = l == labels.Count - 1 ? frequency ? "frequency bin" : style.XTitle : null;
                string? yTitle = m == 0 ? style.YTitle : null;
                var yAxis = Axis(frequency ? null : yTitle, reversed: invert, range: invert ? new[] { map.Y1, map.Y0 } : new[] { map.Y0, map.Y1 });
                if (frequency) yAxis["showticklabels"] = false;                       // a strip over frequency bins: its height means nothing
                grid.AddPanel(layout, annotations, l, m, $"{methods[m]}, {LabelText.Display(labels[l])}", Axis(xTitle, range: new[] { map.X0, map.X1 }), yAxis);
            }
        layout["annotations"] = annotations;
        layout["showlegend"] = false;
        return Chart(traces, layout);
    }

    /// <summary>
    /// One map over every trajectory (the paper's teaser, aircraft/dataset_plot cells 6 and 8): the trajectories coloured by
    /// label with opacity <paramref name="alpha"/>, the map over them from <paramref name="colourFrom"/> up (lower values
    /// transparent; the paper: the map's 90th percentile) with opacity <paramref name="opacity"/>, then <paramref name="frame"/>'s
    /// lines (e.g. runways) on top.
    /// </summary>
    public static PlotlyFigure MapOverTrajectories(double[][][] trajectories, IReadOnlyList<string> labels, MapPanel map, double colourFrom,
        string? title = null, double alpha = 0.05, double opacity = 0.5, string xTitle = "x", string yTitle = "y", AxisFrame? frame = null,
        string mapName = "map", int width = 820, int height = 680)
    {
        RequireSameCount(trajectories.Length, labels.Count, "trajectories", "labels");
        List<string> order = Ordered(labels);
        IReadOnlyDictionary<string, string> colours = LabelColors.For(order);
        var traces = new List<PlotlyTrace>();
        foreach (string label in order)
            traces.Add(CurvesTrace(Enumerable.Range(0, trajectories.Length).Where(i => labels[i] == label).Select(i => Polyline.FromTrajectory(trajectories[i])).ToList(),
                Rgba(colours[label], alpha), "x", "y", (width, height), label));
        traces.AddRange(order.Select(label => LegendEntry(label, colours[label])));
        PlotlyTrace heatmap = HeatmapTrace(map, colourFrom, colourFrom, map.Max, "x", "y",
            Obj(("thickness", 12), ("x", 1.01), ("len", 0.8), ("title", Obj(("text", mapName)))), (width, height), opacity);
        heatmap.Set("name", mapName);
        traces.Add(heatmap);
        var layout = BaseLayout(title, width, height);
        layout["xaxis"] = Axis(xTitle, range: new[] { map.X0, map.X1 });
        var yAxis = Axis(yTitle, range: new[] { map.Y0, map.Y1 });
        Framed(frame, yAxis, "x", "y", traces, legend: true);
        layout["yaxis"] = yAxis;
        layout["showlegend"] = true;
        layout["legend"] = Obj(("orientation", "h"), ("y", -0.12));
        return Chart(traces, layout);
    }

    /// <summary>
    /// Local against global masking (the paper's local_global/pca_distance_compare figure): one grey curve per reference sample
    /// (<paramref name="locals"/>, each named as given, e.g. <c>local 417</c>) and the global curve in red on top, over the
    /// percentiles <paramref name="percentiles"/>. The legend shows <c>global</c> and one entry for the grey family.
    /// </summary>
    public static PlotlyFigure MaskingCurves(double[] percentiles, double[] global, IReadOnlyList<(string Name, double[] Y)> locals, string? title = null,
        string xTitle = "threshold percentile", string yTitle = "distance in the latent PCA", int width = 820, int height = 480)
    {
        foreach ((string name, double[] y) in locals.Append(("global", global)))
            if (y.Length != percentiles.Length) throw new ArgumentException($"Curve '{name}' has {y.Length} values for {percentiles.Length} percentiles.", nameof(locals));
        const string grey = "#8c8c8c", red = LabelColors.Vermillion;
        var traces = locals.Select(local => Trace("scatter", ("mode", "lines+markers"), ("name", local.Name), ("x", percentiles), ("y", local.Y),
            ("line", Obj(("color", Rgba(grey, 0.7)), ("width", 1.2))), ("marker", Obj(("color", Rgba(grey, 0.7)), ("size", 4))),
            ("legendgroup", "local"), ("showlegend", false), ("hovertemplate", local.Name + ": %{y:.3g} at p = %{x}<extra></extra>"))).ToList();
        traces.Add(Trace("scatter", ("mode", "lines"), ("x", new double?[] { null }), ("y", new double?[] { null }), ("name", $"local ({locals.Count} reference samples)"),
            ("legendgroup", "local"), ("showlegend", true), ("line", Obj(("color", grey), ("width", 2))), ("hoverinfo", "skip")));
        traces.Add(Trace("scatter", ("mode", "lines+markers"), ("name", "global"), ("x", percentiles), ("y", global),
            ("line", Obj(("color", red), ("width", 3))), ("marker", Obj(("color", red), ("size", 7))),
            ("hovertemplate", "global: %{y:.3g} at p = %{x}<extra></extra>")));
        var layout = BaseLayout(title, width, height);
        var xAxis = Axis(xTitle);
        xAxis["tickvals"] = percentiles;
        layout["xaxis"] = xAxis;
        layout["yaxis"] = Axis(yTitle);
        layout["showlegend"] = true;
        return Chart(traces, layout);
    }

    /// <summary>
    /// Latent PCA scatter: PC1 against PC2 scores (N, ≥2) coloured by label, with the explained variance ratio of
    /// each component in its axis title. <paramref name="reverseX"/> as in the brushing tool.
    /// </summary>
    public static PlotlyFigure LatentPca(double[][] scores, IReadOnlyList<string> labels, IReadOnlyList<double> explainedVarianceRatio,
        string? title = "Latent space (PCA)", bool reverseX = false, int width = 650, int height = 550)
    {
        RequireSameCount(scores.Length, labels.Count, "score rows", "labels");
        if (explainedVarianceRatio.Count < 2) throw new ArgumentException("Two explained variance ratios are needed (PC1, PC2).", nameof(explainedVarianceRatio));
        List<string> order = Ordered(labels);
        IReadOnlyDictionary<string, string> colours = LabelColors.For(order);
        var traces = order.Select(label =>
        {
            var rows = Enumerable.Range(0, scores.Length).Where(i => labels[i] == label).ToList();
            return Trace("scatter", ("name", LabelText.Display(label)), ("mode", "markers"),
                ("x", rows.Select(i => scores[i][0]).ToArray()), ("y", rows.Select(i => scores[i][1]).ToArray()),
                ("marker", Obj(("color", colours[label]), ("size", 5), ("opacity", 0.8))));
        }).ToList();
        var layout = BaseLayout(title, width, height);
        layout["xaxis"] = Axis(string.Create(CultureInfo.InvariantCulture, $"PC1 ({explainedVarianceRatio[0] * 100:F1}% of variance)"), reversed: reverseX);
        layout["yaxis"] = Axis(string.Create(CultureInfo.InvariantCulture, $"PC2 ({explainedVarianceRatio[1] * 100:F1}% of variance)"));
        layout["showlegend"] = true;
        return Chart(traces, layout);
    }

    /// <summary>Loss curves by epoch (1-based), one line per named curve (e.g. total, reconstruction, KL).</summary>
    public static PlotlyFigure TrainingLoss(IEnumerable<KeyValuePair<string, double[]>> curves, string? title = "Training loss", bool logY = false,
        int width = 800, int height = 400)
    {
        var list = curves.ToList();
        int epochs = list.Count == 0 ? 0 : list.Max(curve => curve.Value.Length);
        return Lines(Enumerable.Range(1, epochs).Select(e => (double)e).ToArray(), list, title, "epoch", "loss", logY, width, height);
    }

    /// <summary>
    /// A line chart of several named series over one x (sanity-check curves such as distance vs percentile). With
    /// <paramref name="xNames"/> the x positions are labelled by name (categories such as the dataset's labels or methods) and
    /// drawn as markers only: a line between two categories would claim values between them.
    /// </summary>
    public static PlotlyFigure Lines(double[] x, IEnumerable<KeyValuePair<string, double[]>> series, string? title = null, string? xTitle = null,
        string? yTitle = null, bool logY = false, int width = 800, int height = 450, IReadOnlyList<string>? xNames = null)
    {
        if (xNames != null) RequireSameCount(xNames.Count, x.Length, "x names", "x values");
        var list = series.ToList();
        foreach ((string name, double[] y) in list)
            if (y.Length > x.Length) throw new ArgumentException($"Series '{name}' has {y.Length} values for {x.Length} x values.", nameof(series));
        IReadOnlyDictionary<string, string> colours = LabelColors.For(list.Select(s => s.Key));
        bool categories = xNames != null;
        var traces = list.Select(s => Trace("scatter", ("name", LabelText.Display(s.Key)), ("mode", categories ? "markers" : "lines+markers"),
            ("x", x[..s.Value.Length]), ("y", s.Value), ("line", Obj(("color", colours[s.Key]), ("width", 2))),
            ("marker", Obj(("color", colours[s.Key]), ("size", categories ? 10 : 5))))).ToList();
        var layout = BaseLayout(title, width, height);
        var xAxis = Axis(xTitle);
        if (xNames != null)
        {
            xAxis["tickvals"] = x;
            xAxis["ticktext"] = LabelText.Display(xNames);
        }
        layout["xaxis"] = xAxis;
        var yAxis = Axis(yTitle);
        if (logY) yAxis["type"] = "log";
        layout["yaxis"] = yAxis;
        layout["showlegend"] = list.Count > 1;
        return Chart(traces, layout);
    }

    /// <summary>
    /// A bar chart of one value per category, coloured by <see cref="LabelColors"/> (categories that are labels), or all in
    /// <paramref name="colour"/> (categories that are not, e.g. latent dimensions or steps); <paramref name="xTitle"/> names the categories.
    /// </summary>
    public static PlotlyFigure Bars(IReadOnlyList<string> categories, double[] values, string? title = null, string? yTitle = null,
        int width = 700, int height = 420, string? colour = null, string? xTitle = null)
    {
        RequireSameCount(categories.Count, values.Length, "categories", "values");
        IReadOnlyDictionary<string, string> colours = colour == null ? LabelColors.For(categories) : categories.Distinct().ToDictionary(c => c, _ => colour);
        var layout = BaseLayout(title, width, height);
        layout["xaxis"] = Axis(xTitle, showGrid: false);
        layout["yaxis"] = Axis(yTitle);
        layout["showlegend"] = false;
        return Chart(new[] { Trace("bar", ("x", LabelText.Display(categories)), ("y", values), ("marker", Obj(("color", categories.Select(c => colours[c]).ToArray())))) }, layout);
    }

    /// <summary>
    /// A plain heatmap of <paramref name="z"/> [row, column] (YlOrRd, or coolwarm centred on 0 when it holds both signs; colour bar), row 0 at the top, e.g. one sample's
    /// |GradCAM| with a row per latent dimension and a column per time step.
    /// </summary>
    public static PlotlyFigure Heatmap(double[,] z, string? title = null, string? xTitle = null, string? yTitle = null,
        IReadOnlyList<string>? rowNames = null, int width = 900, int height = 420)
    {
        int rows = z.GetLength(0), columns = z.GetLength(1);
        if (rowNames != null) RequireSameCount(rowNames.Count, rows, "row names", "rows");
        object y = rowNames != null ? rowNames.ToArray() : Steps(rows);
        var layout = BaseLayout(title, width, height);
        layout["xaxis"] = Axis(xTitle, showGrid: false);
        layout["yaxis"] = Axis(yTitle, reversed: true, showGrid: false);
        layout["showlegend"] = false;
        // Signed values (Grad-SLAM, input gradients) on a diverging scale centred on 0, so the sign reads at a glance; sign-free ones on YlOrRd.
        bool signed = z.Cast<double>().Any(v => v < 0) && z.Cast<double>().Any(v => v > 0);
        return Chart(new[] { Trace("heatmap", ("z", PlotlyArrays.Float32(z)), ("x", Steps(columns)), ("y", y), ("colorscale", signed ? Coolwarm : YlOrRd),
            ("zmid", signed ? (object)0.0 : null), ("zsmooth", false), ("colorbar", Obj(("thickness", 12)))) }, layout);
    }

    /// <summary>
    /// Point clouds in a row of panels, one panel per entry of <paramref name="panels"/>, each with named, coloured groups of
    /// points (e.g. per label: the kept and the removed points of a masking), drawn as small markers. With
    /// <paramref name="shareAxes"/> every panel gets the same ranges, so positions compare across panels.
    /// </summary>
    public static PlotlyFigure PointGroups(IReadOnlyList<string> panels, IReadOnlyList<IReadOnlyList<(string Name, string Colour, Polyline Points)>> groups,
        string? title = null, string? xTitle = null, string? yTitle = null, bool invertY = false, bool shareAxes = false, int panelWidth = 330, int panelHeight = 330)
    {
        RequireSameCount(groups.Count, panels.Count, "point group lists", "panels");
        var all = groups.SelectMany(g => g).Select(g => g.Points).ToList();
        double[] xs = all.SelectMany(p => p.X).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        double[] ys = all.SelectMany(p => p.Y).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        double padX = (xs.Max() - xs.Min()) * 0.04 + 1e-9, padY = (ys.Max() - ys.Min()) * 0.04 + 1e-9;
        double[]? xRange = shareAxes ? new[] { xs.Min() - padX, xs.Max() + padX } : null;
        double[]? yRange = shareAxes ? (invertY ? new[] { ys.Max() + padY, ys.Min() - padY } : new[] { ys.Min() - padY, ys.Max() + padY }) : null;
        var grid = new PanelGrid(1, panels.Count, horizontalGap: 0.06);
        var layout = BaseLayout(title, panelWidth * panels.Count + 80, panelHeight + 130);
        var annotations = new List<object>();
        var traces = new List<PlotlyTrace>();
        var legendShown = new HashSet<string>();
        for (int p = 0; p < panels.Count; p++)
        {
            (string x, string y) = grid.AxisIds(0, p);
            foreach ((string name, string colour, Polyline points) in groups[p])
                traces.Add(Trace("scatter", ("mode", "markers"), ("name", LabelText.Display(name)), ("legendgroup", name), ("showlegend", legendShown.Add(name)),
                    ("x", points.X), ("y", points.Y), ("xaxis", x), ("yaxis", y), ("hoverinfo", "skip"),
                    ("marker", Obj(("color", colour), ("size", 3), ("opacity", 0.5)))));
            grid.AddPanel(layout, annotations, 0, p, LabelText.Display(panels[p]), Axis(xTitle, range: xRange), Axis(p == 0 ? yTitle : null, reversed: invertY, range: yRange));
        }
        layout["annotations"] = annotations;
        layout["showlegend"] = true;
        layout["legend"] = Obj(("orientation", "h"), ("y", -0.18));
        return Chart(traces, layout);
    }

    /// <summary>A legend entry of <paramref name="colour"/> at full opacity that draws nothing, grouped with the label's curves (a click toggles them).</summary>
    private static PlotlyTrace LegendEntry(string label, string colour) =>
        Trace("scatter", ("mode", "lines"), ("x", new double?[] { null }), ("y", new double?[] { null }), ("name", LabelText.Display(label)), ("legendgroup", label),
            ("showlegend", true), ("line", Obj(("color", colour), ("width", 3))), ("hoverinfo", "skip"), ("xaxis", "x"), ("yaxis", "y"));

    /// <summary>[min, max] widened by 3 % of the span on each side (or ±0.5 when constant), so the extreme curves stay inside the frame.</summary>
    private static double[] Padded(double min, double max)
    {
        double pad = max > min ? 0.03 * (max - min) : 0.5;
        return new[] { min - pad, max + pad };
    }

    /// <summary>How far, in screen pixels, a drawn curve may stray from its data: half a pixel, less than a 1-pixel line can show.</summary>
    public const double CurveTolerancePixels = 0.5;

    /// <summary>How far the faint curves under a map may stray: a pixel, which a 1-pixel line at a few percent opacity under a map cannot show.</summary>
    public const double UnderMapTolerancePixels = 1.0;

    /// <summary>
    /// Every curve of one label in one panel as ONE trace, the curves one after another with a gap (NaN) between them, in
    /// typed arrays (<see cref="PlotlyArrays"/>): a thousand curves cost one trace, not a thousand. Each curve keeps only the
    /// points a panel of <paramref name="panel"/> pixels can show (<see cref="Visible"/>, within <paramref name="tolerancePixels"/>); series (x = their time steps) carry
    /// their kept steps as bytes. Hovering names <paramref name="label"/> when given.
    /// </summary>
    private static PlotlyTrace CurvesTrace(IReadOnlyCollection<Polyline> curves, string colour, string xAxis, string yAxis, (double Width, double Height) panel,
        string? label = null, double tolerancePixels = CurveTolerancePixels)
    {
        bool series = curves.All(curve => IsTimeSteps(curve.X));
        double[] allX = curves.SelectMany(curve => curve.X).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        double[] allY = curves.SelectMany(curve => curve.Y).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        double xScale = panel.Width / Math.Max(allX.Max() - allX.Min(), 1e-12), yScale = panel.Height / Math.Max(allY.Max() - allY.Min(), 1e-12);
        var ys = new List<double>();
        var xs = new List<double>();
        var steps = new List<int>();
        foreach (Polyline curve in curves)
        {
            if (ys.Count > 0)
            {
                ys.Add(double.NaN);                                     // the gap: y is not a number, so no line joins two curves
                xs.Add(double.NaN);
                steps.Add(0);
            }
            foreach (int i in Visible(curve, xScale, yScale, tolerancePixels))
            {
                ys.Add(curve.Y[i]);
                if (series) steps.Add(i);
                else xs.Add(curve.X[i]);
            }
        }
        return Trace("scatter", ("mode", "lines"), ("x", series ? PlotlyArrays.Integers(steps) : PlotlyArrays.Float32(xs)), ("y", PlotlyArrays.Float32(ys)),
            ("xaxis", xAxis), ("yaxis", yAxis), ("line", Obj(("color", colour), ("width", 1))),
            ("name", label == null ? null : LabelText.Display(label)), ("legendgroup", label),
            ("hoverinfo", label == null ? "skip" : "name"), ("showlegend", false));
    }

    /// <summary>
    /// The indices of the points of <paramref name="curve"/> that a panel drawn at <paramref name="xScale"/> × <paramref name="yScale"/>
    /// pixels per unit can show: Douglas–Peucker (NetTopologySuite) in pixels at <paramref name="tolerancePixels"/>, so the line
    /// drawn through them strays less than that from every dropped point. A curve with a gap (a non-finite value) keeps every point.
    /// </summary>
    private static IEnumerable<int> Visible(Polyline curve, double xScale, double yScale, double tolerancePixels)
    {
        int n = curve.Y.Length;
        if (n < 3 || curve.X.Any(v => !double.IsFinite(v)) || curve.Y.Any(v => !double.IsFinite(v))) return Enumerable.Range(0, n);
        var pixels = new Coordinate[n];
        for (int i = 0; i < n; i++) pixels[i] = new CoordinateZ(curve.X[i] * xScale, curve.Y[i] * yScale, i);   // z: the point's index
        return DouglasPeuckerLineSimplifier.Simplify(pixels, tolerancePixels).Select(point => (int)point.Z);
    }

    private static bool IsTimeSteps(double[] x)
    {
        for (int i = 0; i < x.Length; i++)
            if (x[i] != i) return false;
        return true;
    }

    private static PlotlyTrace[] SaliencyTraces(Polyline curve, double[] saliency, (double Min, double Max)? colourRange) => new[]
    {
        Trace("scatter", ("mode", "lines"), ("x", curve.X), ("y", curve.Y), ("line", Obj(("color", "#b0b0b0"), ("width", 1))), ("hoverinfo", "skip")),
        Trace("scatter", ("mode", "markers"), ("x", curve.X), ("y", curve.Y), ("name", "saliency"),
            ("marker", Obj(("color", saliency), ("colorscale", YlOrRd), ("size", 7), ("showscale", true), ("cmin", colourRange?.Min), ("cmax", colourRange?.Max),
                ("colorbar", Obj(("title", Obj(("text", "saliency")))))))),
    };

    /// <summary>How many colour levels a map's z keeps (plus level 0, transparent): more than a colour scale of nine stops can show.</summary>
    public const int MapLevels = 255;

    /// <summary>
    /// A binned map as a heatmap whose z is one byte per bin (<see cref="PlotlyArrays.Bytes"/>): level 0 for a value under
    /// <paramref name="transparentBelow"/> (drawn transparent, the colour scale's first stop), levels 1…<see cref="MapLevels"/> for
    /// <paramref name="zMin"/>…<paramref name="zMax"/> (default: the drawn values' own range) in equal steps, so a 200 × 200 map
    /// costs 53 kB, not 230; a map with more bins than its <paramref name="panel"/> has pixels is first pooled to one bin per pixel
    /// (<see cref="Pooled"/>). The colour bar's ticks read in the map's own units, and the trace's <c>meta</c> keeps the range
    /// (<c>value = zmin + (level − 1) / (levels − 1) × (zmax − zmin)</c>).
    /// </summary>
    private static PlotlyTrace HeatmapTrace(MapPanel map, double transparentBelow, double? zMin, double? zMax, string xAxis, string yAxis,
        Dictionary<string, object>? colourBar, (double Width, double Height) panel, double opacity = 0.9)
    {
        // More bins than the panel has pixels cannot show: neighbouring bins are averaged down to one per pixel (the files keep them all).
        (double[,] values, double[] x, double[] y) = Pooled(map, (int)Math.Ceiling(panel.Width), (int)Math.Ceiling(panel.Height));
        map = map with { Map = values };
        int n1 = values.GetLength(0), n2 = values.GetLength(1);
        double[] drawn = map.Map.Cast<double>().Where(value => value >= transparentBelow && double.IsFinite(value)).ToArray();
        double low = zMin ?? (drawn.Length == 0 ? 0 : drawn.Min()), high = zMax ?? (drawn.Length == 0 ? 1 : drawn.Max());
        double span = high > low ? high - low : 1;
        // Plotly's z is [row = y][column = x]: the transpose of [bin1, bin2], i.e. imshow(h.T, origin='lower').
        var levels = new byte[n2 * n1];
        for (int j = 0; j < n2; j++)
            for (int i = 0; i < n1; i++)
            {
                double value = map.Map[i, j];
                levels[j * n1 + i] = value >= transparentBelow && double.IsFinite(value)
                    ? (byte)(1 + Math.Round(Math.Clamp((value - low) / span, 0, 1) * (MapLevels - 1)))
                    : (byte)0;
            }
        var colourScale = new List<object[]> { new object[] { 0.0, "rgba(0,0,0,0)" }, new object[] { 0.5 / MapLevels, "rgba(0,0,0,0)" } };
        colourScale.AddRange(YlOrRd.Select(stop => new object[] { (1 + (double)stop[0] * (MapLevels - 1)) / MapLevels, stop[1] }));
        if (colourBar != null)
        {
            (double[] ticks, string[] texts) = RoundTicks(low, high);
            colourBar = new Dictionary<string, object>(colourBar)
            {
                ["tickvals"] = ticks.Select(value => 1 + (value - low) / span * (MapLevels - 1)).ToArray(),
                ["ticktext"] = texts,
            };
        }
        return Trace("heatmap", ("x", x), ("y", y), ("z", PlotlyArrays.Bytes(levels, n2, n1)), ("xaxis", xAxis), ("yaxis", yAxis), ("colorscale", colourScale),
            ("zmin", 0), ("zmax", MapLevels), ("zauto", false), ("showscale", colourBar != null), ("colorbar", colourBar), ("opacity", opacity),
            ("meta", Obj(("zmin", low), ("zmax", high), ("levels", MapLevels))), ("hoverinfo", "x+y"), ("zsmooth", false));
    }

    /// <summary>
    /// <paramref name="map"/> with at most <paramref name="maxFirst"/> × <paramref name="maxSecond"/> bins, and the bins' centres:
    /// blocks of f1 × f2 neighbouring bins (f = ⌈bins / max⌉; an axis's last block may be shorter) replaced by their mean, bins
    /// that are not a number left out. A map that fits comes back as it is.
    /// </summary>
    internal static (double[,] Map, double[] X, double[] Y) Pooled(MapPanel map, int maxFirst, int maxSecond)
    {
        int n1 = map.Map.GetLength(0), n2 = map.Map.GetLength(1);
        int f1 = (n1 + maxFirst - 1) / Math.Max(1, maxFirst), f2 = (n2 + maxSecond - 1) / Math.Max(1, maxSecond);
        f1 = Math.Max(1, f1);
        f2 = Math.Max(1, f2);
        int m1 = (n1 + f1 - 1) / f1, m2 = (n2 + f2 - 1) / f2;
        double[,] pooled = map.Map;
        if (f1 > 1 || f2 > 1)
        {
            pooled = new double[m1, m2];
            for (int a = 0; a < m1; a++)
                for (int b = 0; b < m2; b++)
                {
                    double sum = 0;
                    int count = 0;
                    for (int i = a * f1; i < Math.Min(n1, (a + 1) * f1); i++)
                        for (int j = b * f2; j < Math.Min(n2, (b + 1) * f2); j++)
                            if (double.IsFinite(map.Map[i, j])) { sum += map.Map[i, j]; count++; }
                    pooled[a, b] = count > 0 ? sum / count : double.NaN;
                }
        }
        double[] Centres(int bins, int block, int source, double start, double end) =>
            Enumerable.Range(0, bins).Select(k => start + (k * block + Math.Min(source, (k + 1) * block)) / 2.0 * (end - start) / source).ToArray();
        return (pooled, Centres(m1, f1, n1, map.X0, map.X1), Centres(m2, f2, n2, map.Y0, map.Y1));
    }

    /// <summary>
    /// Colour-bar ticks at round values inside [<paramref name="low"/>, <paramref name="high"/>]: multiples of 1, 2 or 5 × 10^k,
    /// three to six of them (as plotly.js picks axis ticks), written with no more decimals than the step has (0, 0.5, 1, 1.5, 2; not 0.506, 1.01).
    /// A constant range gets its one value.
    /// </summary>
    public static (double[] Values, string[] Texts) RoundTicks(double low, double high)
    {
        if (!(high > low)) return (new[] { low }, new[] { low.ToString("G3", CultureInfo.InvariantCulture) });
        double rough = (high - low) / 4, magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double step = new[] { 1.0, 2, 5, 10 }.Select(m => m * magnitude).First(candidate => candidate >= rough * 0.75);
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        var values = new List<double>();
        for (double k = Math.Ceiling(low / step - 1e-9); k * step <= high + step * 1e-9; k++) values.Add(Math.Round(k * step, decimals + 1) + 0.0);   // + 0: no "-0"
        return (values.ToArray(), values.Select(value => value.ToString(decimals == 0 ? "0" : "0." + new string('#', decimals), CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>
    /// Fixes a panel's aspect to <paramref name="frame"/>'s ratio (its y axis anchored to <paramref name="xAxis"/>) and adds the
    /// frame's lines over what is drawn so far; no frame: nothing changes.
    /// </summary>
    private static void Framed(AxisFrame? frame, Dictionary<string, object> yAxisLayout, string xAxis, string yAxis, List<PlotlyTrace> traces, bool legend)
    {
        if (frame == null) return;
        yAxisLayout["scaleanchor"] = xAxis;
        yAxisLayout["scaleratio"] = frame.ScaleRatio;
        foreach (ReferenceLine line in frame.Lines)
            traces.Add(Trace("scatter", ("mode", "lines+markers"), ("name", line.Name), ("x", line.Line.X), ("y", line.Line.Y), ("xaxis", xAxis), ("yaxis", yAxis),
                ("line", Obj(("color", ReferenceLineColour), ("width", 3))), ("marker", Obj(("color", ReferenceLineColour), ("size", 4))),
                ("legendgroup", line.Name), ("showlegend", legend), ("hoverinfo", "name")));
    }

    private const string ReferenceLineColour = "#1a1a1a";

    private static Dictionary<string, object> ColourBar(PanelGrid grid, int row) => Obj(("len", 1.0 / grid.Rows * 0.8), ("y", 1 - (row + 0.5) / grid.Rows),
        ("yanchor", "middle"), ("thickness", 12), ("x", 1.01));

    private static List<string> Ordered(IEnumerable<string> labels) => LabelOrder.Distinct(labels).ToList();

    private static void RequireSameCount(int a, int b, string what, string against)
    {
        if (a != b) throw new ArgumentException($"{a} {what} for {b} {against}: one each is needed.");
    }
}
