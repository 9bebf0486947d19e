using System.Globalization;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.Plots;
using Saliency.Notebook.SanityChecks;
using TorchSharp;
using static TorchSharp.torch;
using static Saliency.Notebook.Display.ViewData;

namespace Saliency.Notebook.Display;

/// <summary>Views of the global saliency: one sample's GradCAM, the latent PCA, the map grids, the kept/removed parts and the brushing tool.</summary>
public static partial class Views
{
    /// <summary>
    /// The latent space of a run: PC1 against PC2 of the posterior means, coloured by label, with the explained variance. With
    /// <paramref name="fitWithout"/> the PCA is fitted on the other labels' samples only and then applied to all (the paper's
    /// landing-only model on the flyover data); otherwise it is the run's own PCA.
    /// </summary>
    public static KitView LatentSpace(GlobalSaliencyResult result, string? fitWithout = null, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (fitWithout == null) return LatentSpace(result.PcaFit, title);
        using var fit = GlobalSaliencySteps.FitPca(result.Means, Math.Max(2, result.Pca.ComponentCount), fitWithout);
        return LatentSpace(fit, title);
    }

    /// <summary>Views next to each other under one heading (e.g. two models compared), wrapping when the page is narrow.</summary>
    public static KitView SideBySide(string title, params KitView[] views) => new KitView(title).Row(views);

    /// <summary>
    /// The paper's global map grid: one row per principal component (the first <paramref name="components"/>, default all),
    /// one column per label, each panel the label's curves in black under its normalised map. <paramref name="data"/> gives
    /// the curves and axis titles; without it the maps are drawn alone.
    /// </summary>
    public static KitView GlobalMaps(GlobalSaliencyResult result, TimeSeriesDataset? data = null, int? components = null,
        int maxCurvesPerLabel = DefaultMaxCurvesPerLabel, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        return GlobalMaps(result.Binned, data, components, maxCurvesPerLabel, title);
    }

    /// <summary>Step 5, the binned maps: the paper's grid of one row per component and one column per label (see the result overload).</summary>
    public static KitView GlobalMaps(BinnedGlobalMaps binned, TimeSeriesDataset? data = null, int? components = null,
        int maxCurvesPerLabel = DefaultMaxCurvesPerLabel, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(binned);
        GlobalSaliencyMap maps = binned.Maps;
        int shown = Math.Min(components ?? maps.ComponentCount, maps.ComponentCount);
        IReadOnlyList<string> labels = maps.Labels;
        var panels = new MapPanel[shown, labels.Count];
        for (int c = 0; c < shown; c++)
            for (int l = 0; l < labels.Count; l++)
                panels[c, l] = InReadingUnits(data?.Info, Panel(maps, maps.Map(labels[l], c)));
        (IReadOnlyList<IReadOnlyList<Polyline>> curves, double alpha) = CurvesByLabel(binned.Variant, data, labels, maxCurvesPerLabel);
        GlobalMapStyle style = Style(binned.Variant, data, alpha) with
        {
            Title = title ?? $"{binned.Dataset}: global saliency maps (rows PC1..PC{shown}, columns labels)",
        };
        var chart = Charts.GlobalMapGrid(labels, curves, panels, style);
        string sigma = F(binned.Sigma);
        return new KitView(null)
            .Note(binned.Variant == MapVariant.TimeSeries
                ? $"Mean |projection of GradCAM on the PC| binned over time × value ({binned.GridSize} value bins) per label, Gaussian-filtered (sigma {sigma}), normalised to [0, 1]; one colour range per PC row."
                : $"Mean |projection of GradCAM on the PC| binned over x × y ({binned.GridSize} × {binned.GridSize} bins) per label, Gaussian-filtered (sigma {sigma}), divided by its maximum; each panel scaled on its own, as the paper's trajectory figures.")
            .Add(Figure.FromChart(chart, $"{binned.Dataset}-global-maps{(title == null ? "" : "-" + Slug(title))}"));
    }

    /// <summary>
    /// The paper's combined figure: all curves coloured by label, then per component the maps combined over labels
    /// (sum for time series, pixel-wise maximum for trajectories).
    /// </summary>
    public static KitView CombinedMaps(GlobalSaliencyResult result, TimeSeriesDataset? data = null, int? components = null,
        int maxCurvesPerLabel = DefaultMaxCurvesPerLabel, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        return CombinedMaps(GlobalSaliencySteps.CombineMaps(result.Binned), data, components, maxCurvesPerLabel, title);
    }

    /// <summary>Step 6, the combined maps: all curves coloured by label, then one panel per component (see the result overload).</summary>
    public static KitView CombinedMaps(CombinedGlobalMaps combined, TimeSeriesDataset? data = null, int? components = null,
        int maxCurvesPerLabel = DefaultMaxCurvesPerLabel, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(combined);
        GlobalSaliencyMap maps = combined.Source.Maps;
        int shown = Math.Min(components ?? combined.ComponentCount, combined.ComponentCount);
        var panels = Enumerable.Range(0, shown).Select(c => InReadingUnits(data?.Info, Panel(maps, combined.Map(c)))).ToList();
        MapVariant variant = combined.Source.Variant;
        (IReadOnlyList<IReadOnlyList<Polyline>> curves, double alpha) = CurvesByLabel(variant, data, maps.Labels, maxCurvesPerLabel);
        GlobalMapStyle style = Style(variant, data, alpha) with
        {
            Title = title ?? $"{combined.Dataset}: maps combined over labels ({(combined.Combination == LabelCombination.Sum ? "sum" : "pixel-wise max")})",
        };
        var chart = Charts.CombinedMaps(maps.Labels, curves, panels, style, labelledCurveAlpha: Math.Min(1, alpha * 4));
        return new KitView(null).Add(Figure.FromChart(chart, $"{combined.Dataset}-combined-maps{(title == null ? "" : "-" + Slug(title))}"));
    }

    /// <summary>
    /// The dataset under its global saliency, as the paper's dataset figures with their maps: for time series
    /// (eog/dataset_plot cell 4) one panel per label, the label's series in black (opacity .02 for all of them; at most
    /// <paramref name="maxCurvesPerLabel"/> drawn, with the ink of all, see <see cref="CurveSample"/>) under the label's
    /// PC<paramref name="component"/>+1 map, drawn from its 90th percentile up (lower values transparent) with opacity .9, in
    /// the series' own value range; for trajectories (the teaser, aircraft/dataset_plot cells 6 and 8) every flight coloured by
    /// label under the mean of the labels' maps, drawn from its 90th percentile up with opacity .5, in degrees with the runways
    /// where the dataset has them.
    /// </summary>
    public static KitView DatasetWithSaliency(BinnedGlobalMaps binned, TimeSeriesDataset data, int component = 0, int maxCurvesPerLabel = DefaultMaxCurvesPerLabel)
    {
        ArgumentNullException.ThrowIfNull(binned);
        ArgumentNullException.ThrowIfNull(data);
        GlobalSaliencyMap maps = binned.Maps;
        if (component < 0 || component >= maps.ComponentCount)
            throw new ArgumentOutOfRangeException(nameof(component), component, $"The maps have {maps.ComponentCount} components.");
        IReadOnlyList<string> labels = maps.Labels;
        DatasetInfo info = data.Info;
        string pc = $"PC{component + 1}";
        if (binned.Variant == MapVariant.TimeSeries)
        {
            (int[] rows, double alpha) = CurveSample(data.Labels, maxCurvesPerLabel, SeriesDatasetAlpha);
            double[][] series = Series(data.X, 0);
            var curves = labels.Select(label => (IReadOnlyList<Polyline>)rows.Where(i => data.Labels[i] == label).Select(i => Polyline.FromSeries(series[i])).ToList()).ToList();
            var panels = labels.Select(label => Panel(maps, maps.Map(label, component))).ToList();
            var from = panels.Select(p => SanityStatistics.Percentile(p.Map.Cast<double>().ToArray(), 90)).ToList();
            var chart = Charts.SeriesUnderMaps(labels, curves, panels, from,
                $"{info.Name}: series per label under the label's {pc} global map (its top tenth)",
                alpha, xTitle: "time step", yTitle: info.YAxisTitle, classSizes: labels.ToDictionary(label => label, label => data.Labels.Count(l => l == label)));
            return new KitView(null)
                .Note(string.Create(CultureInfo.InvariantCulture,
                    $"Each panel: the label's series in black and its normalised {pc} map; the colour scale starts at the map's 90th percentile ({string.Join(", ", from.Select(f => f.ToString("F2", CultureInfo.InvariantCulture)))}), so only its top tenth shows, as in the paper's figure."))
                .Add(Figure.FromChart(chart, $"{info.Name}-dataset-{pc.ToLowerInvariant()}-maps"));
        }
        else
        {
            (int[] rows, double alpha) = CurveSample(data.Labels, Math.Min(maxCurvesPerLabel, DefaultMaxCurvesPerLabel), TrajectoryDatasetAlpha * 5);
            double[][][] trajectories = Trajectories(info, data.X);
            double[,] sum = maps.Combine(component, LabelCombination.Sum);
            var mean = new double[sum.GetLength(0), sum.GetLength(1)];
            for (int i = 0; i < mean.GetLength(0); i++)
                for (int j = 0; j < mean.GetLength(1); j++)
                    mean[i, j] = sum[i, j] / labels.Count;
            MapPanel panel = InReadingUnits(info, Panel(maps, mean));
            double from = SanityStatistics.Percentile(panel.Map.Cast<double>().ToArray(), 90);
            var chart = Charts.MapOverTrajectories(rows.Select(i => trajectories[i]).ToArray(), rows.Select(i => data.Labels[i]).ToArray(), panel, from,
                $"{info.Name}: flights by label under the mean of the labels' {pc} global maps", alpha, xTitle: info.XAxisTitle, yTitle: info.YAxisTitle,
                frame: Frame(info), mapName: $"mean {pc} map");
            return new KitView(null)
                .Note(string.Create(CultureInfo.InvariantCulture,
                    $"The mean over the {labels.Count} labels of their normalised {pc} maps, drawn from its 90th percentile ({from:F3}) up with opacity .5{(info.Degrees is { } d ? $"; {d}" : "")}."))
                .Add(Figure.FromChart(chart, $"{info.Name}-flights-{pc.ToLowerInvariant()}-maps"));
        }
    }

    /// <summary>
    /// Kept vs removed parts (symbols/apply_gradcam_mask cell 4): per label, the points whose normalised |PC1| GradCAM is ≥
    /// <paramref name="fraction"/> of its maximum (kept, blue) and the others (removed, red).
    /// </summary>
    public static KitView KeptRemovedParts(GlobalSaliencyResult result, TimeSeriesDataset data, double fraction = 0.2,
        int maxCurvesPerLabel = DefaultMaxCurvesPerLabel)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(data);
        bool[] mask;
        using (NewDisposeScope())
            mask = result.PruningMask(fraction).flatten().data<bool>().ToArray();
        int length = data.L;
        IReadOnlyList<string> labels = result.Maps.Labels;
        (int[] rows, _) = CurveSample(data.Labels, maxCurvesPerLabel, 1);
        bool series = data.Info.PlotKind == PlotKind.TimeSeries;
        double[] steps = Enumerable.Range(0, length).Select(t => (double)t).ToArray();
        double[][][] trajectories = series ? Array.Empty<double[][]>() : Trajectories(data.Info, data.X);
        double[][] horizontal = trajectories.Select(points => points.Select(p => p[0]).ToArray()).ToArray();
        double[][] vertical = series ? Series(data.X, 0) : trajectories.Select(points => points.Select(p => p[1]).ToArray()).ToArray();
        var groups = labels.Select(label =>
        {
            var kept = new List<(double, double)>();
            var removed = new List<(double, double)>();
            foreach (int i in rows.Where(i => data.Labels[i] == label))
            {
                double[] xs = series ? steps : horizontal[i];
                for (int t = 0; t < length; t++) (mask[i * length + t] ? kept : removed).Add((xs[t], vertical[i][t]));
            }
            return (IReadOnlyList<(string, string, Polyline)>)new[]
            {
                ("kept (salient)", LabelColors.Blue, new Polyline(kept.Select(p => p.Item1).ToArray(), kept.Select(p => p.Item2).ToArray())),
                ("removed (non-salient)", LabelColors.Vermillion, new Polyline(removed.Select(p => p.Item1).ToArray(), removed.Select(p => p.Item2).ToArray())),
            };
        }).ToList();
        double keptShare = mask.Count(m => m) / (double)mask.Length;
        var chart = Charts.PointGroups(labels.Select(l => $"label {l}").ToArray(), groups,
            string.Create(CultureInfo.InvariantCulture, $"{data.Info.Name}: points kept (|PC1| GradCAM ≥ {fraction:0.##}·max) and removed"),
            data.Info.XAxisTitle, data.Info.YAxisTitle, data.Info.InvertYAxis);
        return new KitView(null)
            .Note(string.Create(CultureInfo.InvariantCulture, $"{keptShare:P1} of all points are kept, {1 - keptShare:P1} set to zero (the original reports the zero share)."))
            .Add(Figure.FromChart(chart, $"{data.Info.Name}-kept-removed-parts"));
    }

    /// <summary>
    /// The paper's brushing tool (§3.2.5) for a run: the PC1/PC2 scores to select from, the series (or trajectories) and
    /// |PC1 projection| as the weights whose global map is recomputed for the selected samples.
    /// </summary>
    public static KitView Brushing(GlobalSaliencyResult result, TimeSeriesDataset data)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(data);
        double[][] scores, weights;
        using (NewDisposeScope())
        {
            scores = Rows(result.Pca.Transform(result.Latents));
            weights = Rows(result.Projections.select(2, 0).abs());
        }
        bool series = data.Info.PlotKind == PlotKind.TimeSeries;
        var options = new BrushingOptions
        {
            Title = $"{data.Info.Name}: brushing tool (select points in the PCA scatter)", InvertY = data.Info.InvertYAxis,
            XTitle = series ? "time step" : data.Info.XAxisTitle, YTitle = data.Info.YAxisTitle,
        };
        Figure tool = data.Info.PlotKind == PlotKind.TimeSeries
            ? BrushingTool.Create(scores, Series(data.X, 0), weights, data.Labels, options)
            : BrushingTool.Create(scores, Trajectories(data.Info, data.X), weights, data.Labels, options);
        return new KitView(null)
            .Note("Box- or lasso-select samples in the middle scatter: the right column redraws the global |PC1| map of the selection per label.")
            .Add(tool);
    }

    private static GlobalMapStyle Style(MapVariant variant, TimeSeriesDataset? data, double alpha)
    {
        DatasetInfo? info = data?.Info;
        bool series = variant == MapVariant.TimeSeries;
        return new GlobalMapStyle
        {
            CurveAlpha = alpha,
            SharedComponentScale = series,
            InvertY = !series && (info?.InvertYAxis ?? false),
            XTitle = series ? "time step" : info?.XAxisTitle ?? "channel 0",
            YTitle = series ? info?.YAxisTitle ?? "value" : info?.YAxisTitle ?? "channel 1",
            Frame = series ? null : Frame(info),
        };
    }

    private static (IReadOnlyList<IReadOnlyList<Polyline>> Curves, double Alpha) CurvesByLabel(MapVariant variant, TimeSeriesDataset? data,
        IReadOnlyList<string> labels, int maxPerLabel)
    {
        bool series = variant == MapVariant.TimeSeries;
        double paperAlpha = series ? SeriesMapAlpha : TrajectoryMapAlpha;
        if (data == null) return (labels.Select(_ => (IReadOnlyList<Polyline>)Array.Empty<Polyline>()).ToList(), paperAlpha);
        (int[] rows, double alpha) = CurveSample(data.Labels, maxPerLabel, paperAlpha);
        IReadOnlyList<Polyline> all = series ? Polyline.FromSeries(Series(data.X, 0)) : Polyline.FromTrajectories(Trajectories(data.Info, data.X));
        return (labels.Select(label => (IReadOnlyList<Polyline>)rows.Where(i => data.Labels[i] == label).Select(i => all[i]).ToList()).ToList(), alpha);
    }

    /// <summary>A map for drawing, its values rounded to 4 decimals: the colours cannot show more, and a 200 × 200 map shrinks from about 700 kB of JSON to about 250 kB.</summary>
    private static MapPanel Panel(GlobalSaliencyMap maps, double[,] map)
    {
        var rounded = new double[map.GetLength(0), map.GetLength(1)];
        for (int i = 0; i < map.GetLength(0); i++)
            for (int j = 0; j < map.GetLength(1); j++)
                rounded[i, j] = Math.Round(map[i, j], 4);
        return new MapPanel(rounded, maps.FirstAxisEdges[0], maps.FirstAxisEdges[^1], maps.SecondAxisEdges[0], maps.SecondAxisEdges[^1]);
    }
}
