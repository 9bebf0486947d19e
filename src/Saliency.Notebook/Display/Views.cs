using System.Globalization;
using Microsoft.Data.Analysis;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.Plots;
using Saliency.Notebook.SanityChecks;
using Saliency.Notebook.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Display;

/// <summary>
/// The notebook views of the kit's objects, each one <see cref="KitView"/> (tables and Plotly figures) so a notebook cell
/// is one call: a dataset, a model card, a training run, one sample's GradCAM, the latent PCA, the global maps (labels ×
/// components, series overlaid) and their combination, the kept/removed parts of a masking, a sanity-check result and a
/// closing summary. The figures follow the paper's (§3.2 of the method notes): YlOrRd maps with origin lower, black
/// curves underneath, shared colour range per component for time series, y inverted for the symbols, the label colours.
/// </summary>
public static class Views
{
    /// <summary>
    /// Curves drawn per label under a map or in a dataset plot. More would make a figure of tens of MB (one trace per curve);
    /// the opacity is raised so that the ink where all curves overlap stays the paper's (see <see cref="CurveSample"/>).
    /// </summary>
    public const int DefaultMaxCurvesPerLabel = 150;

    /// <summary>The paper's curve opacities: series under maps .01, trajectories .05, the eog dataset plot .02, the aircraft one .01.</summary>
    private const double SeriesMapAlpha = 0.01, TrajectoryMapAlpha = 0.05, SeriesDatasetAlpha = 0.02, TrajectoryDatasetAlpha = 0.01;

    /// <summary>The dataset: its description, the per-label summary table and the paper's dataset plot (series per label, or trajectories coloured by label).</summary>
    public static KitView Dataset(TimeSeriesDataset data, int maxCurvesPerLabel = DefaultMaxCurvesPerLabel)
    {
        ArgumentNullException.ThrowIfNull(data);
        DatasetInfo info = data.Info;
        var view = new KitView($"Dataset {info.Name}")
            .Note($"{info.Description}. X (N, C, L) = ({data.N}, {data.C}, {data.L}); channels: {string.Join(", ", info.ChannelNames)}.")
            .Add(HtmlTable.From(data.Summary()));
        var labels = data.Labels;
        if (info.PlotKind == PlotKind.TimeSeries)
        {
            (int[] rows, double alpha) = CurveSample(labels, maxCurvesPerLabel, SeriesDatasetAlpha);
            double[][] series = Series(data.X, 0);
            var chart = Charts.DatasetSeries(rows.Select(i => series[i]).ToArray(), rows.Select(i => labels[i]).ToArray(),
                $"{info.Name}: series per label ({Shown(rows.Length, data.N)})", alpha);
            view.Add(Figure.FromChart(chart, $"{info.Name}-dataset"));
        }
        else
        {
            (int[] rows, double alpha) = CurveSample(labels, maxCurvesPerLabel, TrajectoryDatasetAlpha * 5);
            double[][][] trajectories = Trajectories(data.X);
            var chart = Charts.DatasetTrajectories(rows.Select(i => trajectories[i]).ToArray(), rows.Select(i => labels[i]).ToArray(),
                $"{info.Name}: trajectories by label ({Shown(rows.Length, data.N)})", alpha, info.InvertYAxis,
                xTitle: info.XAxisTitle, yTitle: info.YAxisTitle);
            view.Add(Figure.FromChart(chart, $"{info.Name}-dataset"));
        }
        return view;
    }

    /// <summary>A loaded model: its card (architecture and training facts) and where it came from.</summary>
    public static KitView Model(LoadedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ModelCard(model.Card, $"Model {model.Card.Dataset ?? System.IO.Path.GetFileName(model.Path)}", model.Path);
    }

    /// <summary>A model card as a two-column table (architecture, prior, training settings and results; unknown facts left out).</summary>
    public static KitView ModelCard(ModelCard card, string? title = null, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(card);
        CvaeConfig config = card.Config;
        var facts = new List<(string, object?)>
        {
            ("loaded from", path),
            ("source", card.Source),
            ("dataset", card.Dataset),
            ("input (C × L)", $"{config.Channels} × {config.Length}"),
            ("latent dimensions D", config.LatentDim),
            ("encoder convolutions", $"{string.Join(" → ", config.HiddenDims)} channels, kernel {config.KernelSize}, dropout {F(config.Dropout)}"),
            ("average pooling", config.SamplingFactor),
            ("prior", config.Prior == LatentPrior.VampPrior ? $"VampPrior, {config.Components} pseudo-inputs" : "standard normal"),
            ("KL coefficient", card.Training?.KldCoef),
            ("batch size / learning rate", card.Training is { } t ? $"{t.BatchSize} / {F(t.LearningRate)}" : null),
            ("epochs run", card.Epochs),
            ("best epoch", card.BestEpoch),
            ("best validation log-MSE", card.BestValidationLogMse),
            ("test log-MSE", card.TestLogMse),
            ("training time", card.TrainingSeconds is { } s ? TimeSpan.FromSeconds(s).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : null),
            ("trained on", card.Device),
            ("notes", card.Notes),
        };
        return new KitView(title ?? "Model card").Add(FactTable(facts));
    }

    /// <summary>A finished training run: training loss and validation log-MSE per epoch, and where the best epoch was.</summary>
    public static KitView Training(TrainingResult result, string dataset)
    {
        ArgumentNullException.ThrowIfNull(result);
        double[] loss = result.History.Select(p => p.TrainLoss).ToArray();
        double[] validation = result.History.Select(p => p.ValidationLogMse).ToArray();
        return new KitView($"Training on {dataset}")
            .Note(string.Create(CultureInfo.InvariantCulture,
                $"{result.EpochsRun} epochs in {result.Elapsed.TotalSeconds:F0} s; best validation log-MSE {result.BestValidationLogMse:F3} at epoch {result.BestEpoch}, test log-MSE {result.TestLogMse:F3}."))
            .Row(
                new KitView(null).Add(Figure.FromChart(Charts.TrainingLoss(new[] { KeyValuePair.Create("training loss", loss) }, "Training loss (negative ELBO)", width: 520, height: 340), $"{dataset}-training-loss")),
                new KitView(null).Add(Figure.FromChart(Charts.Lines(Enumerable.Range(1, validation.Length).Select(e => (double)e).ToArray(),
                    new[] { KeyValuePair.Create("validation log-MSE", validation) }, "Validation log-MSE", "epoch", "log MSE", width: 520, height: 340), $"{dataset}-validation")));
    }

    /// <summary>
    /// One sample's GradCAM: the sample drawn with each step coloured by |PC1 projection| (what the global maps aggregate), and
    /// its |GradCAM| towards every latent dimension as a dimensions × time heatmap.
    /// </summary>
    public static KitView SampleSaliency(GlobalSaliencyResult result, TimeSeriesDataset data, int sample)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(data);
        if (sample < 0 || sample >= data.N) throw new ArgumentOutOfRangeException(nameof(sample), sample, $"The dataset has {data.N} samples.");
        string label = data.Labels[sample];
        double[] pc1 = ToArray(result.Projections[sample, TensorIndex.Colon, 0].abs());
        double[] flat = ToArray(result.GradCam[sample]);                         // (L, D)
        int length = data.L, dims = flat.Length / length;
        var perDimension = new double[dims, length];
        for (int t = 0; t < length; t++)
            for (int d = 0; d < dims; d++)
                perDimension[d, t] = flat[t * dims + d];
        string title = $"{data.Info.Name} sample {sample} (label {label}) coloured by |PC1 projection of GradCAM|";
        var chart = data.Info.PlotKind == PlotKind.TimeSeries
            ? Charts.SampleSaliency(Series(data.X[sample].unsqueeze(0), 0)[0], pc1, title)
            : Charts.SampleSaliency(Trajectories(data.X[sample].unsqueeze(0))[0], pc1, title, data.Info.InvertYAxis);
        var heatmap = Charts.Heatmap(perDimension, $"|GradCAM| of sample {sample} towards each of the {dims} latent dimensions", "time step", "latent dimension",
            Enumerable.Range(0, dims).Select(d => $"z{d}").ToArray(), height: Math.Clamp(18 * dims + 120, 300, 900));
        return new KitView($"GradCAM of one sample ({result.Device})")
            .Note(string.Create(CultureInfo.InvariantCulture,
                $"|GradCAM| of all {data.N} samples towards all {dims} latent dimensions at {result.Options.Layer}: {result.Timings.GradCamSeconds:F2} s on {result.Device}."))
            .Add(Figure.FromChart(chart, $"{data.Info.Name}-sample-{sample}-saliency"))
            .Add(Figure.FromChart(heatmap, $"{data.Info.Name}-sample-{sample}-gradcam-per-dimension"));
    }

    /// <summary>
    /// The latent space: PC1 against PC2 of the posterior means, coloured by label, with the explained variance ratios. With
    /// <paramref name="fitWithout"/> the PCA is fitted on the other labels' samples only and then applied to all (the paper's
    /// landing-only model on the flyover data); otherwise it is the run's own PCA.
    /// </summary>
    public static KitView LatentSpace(GlobalSaliencyResult result, string? fitWithout = null, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        LatentPca pca = fitWithout == null ? result.Pca : result.PcaWithout(fitWithout);
        string name = fitWithout == null ? result.Dataset : $"{result.Dataset}-without-{Slug(fitWithout)}";
        return LatentSpace(result.Latents, result.Labels, pca,
            title ?? $"{result.Dataset}: latent space (PCA of the posterior means{(fitWithout == null ? "" : $", fitted without {fitWithout}")})", name);
    }

    /// <summary>Views next to each other under one heading (e.g. two models compared), wrapping when the page is narrow.</summary>
    public static KitView SideBySide(string title, params KitView[] views) => new KitView(title).Row(views);

    /// <summary>
    /// The latent space of <paramref name="latents"/> (N, D) in the components of <paramref name="pca"/>, which may have been
    /// fitted on other samples (e.g. the landing-only model's PCA fitted without the flyovers).
    /// </summary>
    public static KitView LatentSpace(Tensor latents, IReadOnlyList<string> labels, LatentPca pca, string title, string figureName)
    {
        ArgumentNullException.ThrowIfNull(pca);
        if (pca.ComponentCount < 2) throw new ArgumentException("The latent space view needs a PCA with at least two components.", nameof(pca));
        double[][] scores = Rows(pca.Transform(latents));
        var chart = Charts.LatentPca(scores, labels, pca.ExplainedVarianceRatio, title, width: 620, height: 520);
        return new KitView(null)
            .Note(string.Create(CultureInfo.InvariantCulture,
                $"Explained variance ratio: {string.Join(", ", pca.ExplainedVarianceRatio.Select((r, k) => $"PC{k + 1} {r:P1}"))} (PCA fitted on {pca.SampleCount} samples)."))
            .Add(Figure.FromChart(chart, $"{figureName}-latent-pca"));
    }

    /// <summary>
    /// The paper's global map grid: one row per principal component (the first <paramref name="components"/>, default all),
    /// one column per label, each panel the label's curves in black under its normalised map. <paramref name="data"/> gives
    /// the curves and axis titles; without it the maps are drawn alone.
    /// </summary>
    public static KitView GlobalMaps(GlobalSaliencyResult result, TimeSeriesDataset? data = null, int? components = null,
        int maxCurvesPerLabel = DefaultMaxCurvesPerLabel, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        GlobalSaliencyMap maps = result.Maps;
        int shown = Math.Min(components ?? maps.ComponentCount, maps.ComponentCount);
        IReadOnlyList<string> labels = maps.Labels;
        var panels = new MapPanel[shown, labels.Count];
        for (int c = 0; c < shown; c++)
            for (int l = 0; l < labels.Count; l++)
                panels[c, l] = Panel(maps, maps.Map(labels[l], c));
        (IReadOnlyList<IReadOnlyList<Polyline>> curves, double alpha) = CurvesByLabel(result, data, labels, maxCurvesPerLabel);
        GlobalMapStyle style = Style(result, data, alpha) with
        {
            Title = title ?? $"{result.Dataset}: global saliency maps (rows PC1..PC{shown}, columns labels)",
        };
        var chart = Charts.GlobalMapGrid(labels, curves, panels, style);
        return new KitView(null)
            .Note(result.Variant == MapVariant.TimeSeries
                ? "Mean |projection of GradCAM on the PC| binned over time × value per label, Gaussian-filtered (sigma 5), normalised to [0, 1]; one colour range per PC row."
                : "Mean |projection of GradCAM on the PC| binned over x × y per label, Gaussian-filtered (sigma 5), divided by its maximum; each panel scaled on its own, as the paper's trajectory figures.")
            .Add(Figure.FromChart(chart, $"{result.Dataset}-global-maps{(title == null ? "" : "-" + Slug(title))}"));
    }

    /// <summary>
    /// The paper's combined figure: all curves coloured by label, then per component the maps combined over labels
    /// (sum for time series, pixel-wise maximum for trajectories).
    /// </summary>
    public static KitView CombinedMaps(GlobalSaliencyResult result, TimeSeriesDataset? data = null, int? components = null,
        int maxCurvesPerLabel = DefaultMaxCurvesPerLabel, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        GlobalSaliencyMap maps = result.Maps;
        int shown = Math.Min(components ?? maps.ComponentCount, maps.ComponentCount);
        var combined = Enumerable.Range(0, shown).Select(c => Panel(maps, maps.Combine(c, result.Combination))).ToList();
        (IReadOnlyList<IReadOnlyList<Polyline>> curves, double alpha) = CurvesByLabel(result, data, maps.Labels, maxCurvesPerLabel);
        GlobalMapStyle style = Style(result, data, alpha) with
        {
            Title = title ?? $"{result.Dataset}: maps combined over labels ({(result.Combination == LabelCombination.Sum ? "sum" : "pixel-wise max")})",
        };
        var chart = Charts.CombinedMaps(maps.Labels, curves, combined, style, labelledCurveAlpha: Math.Min(1, alpha * 4));
        return new KitView(null).Add(Figure.FromChart(chart, $"{result.Dataset}-combined-maps{(title == null ? "" : "-" + Slug(title))}"));
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
        using (var pruning = result.PruningMask(fraction))
            mask = pruning.flatten().data<bool>().ToArray();
        int length = data.L;
        IReadOnlyList<string> labels = result.Maps.Labels;
        (int[] rows, _) = CurveSample(data.Labels, maxCurvesPerLabel, 1);
        bool series = data.Info.PlotKind == PlotKind.TimeSeries;
        double[] steps = Enumerable.Range(0, length).Select(t => (double)t).ToArray();
        double[][] horizontal = series ? Array.Empty<double[]>() : Series(data.X, 0);
        double[][] vertical = Series(data.X, series ? 0 : 1);
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
                ("kept (salient)", "#1f77b4", new Polyline(kept.Select(p => p.Item1).ToArray(), kept.Select(p => p.Item2).ToArray())),
                ("removed (non-salient)", "#e41a1c", new Polyline(removed.Select(p => p.Item1).ToArray(), removed.Select(p => p.Item2).ToArray())),
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
        double[][] scores;
        using (var transformed = result.Pca.Transform(result.Latents)) scores = Rows(transformed);
        double[][] weights;
        using (var pc1 = result.Projections.select(2, 0).abs()) weights = Rows(pc1);
        var options = new BrushingOptions { Title = $"{data.Info.Name}: brushing tool (select points in the PCA scatter)", InvertY = data.Info.InvertYAxis };
        Figure tool = data.Info.PlotKind == PlotKind.TimeSeries
            ? BrushingTool.Create(scores, Series(data.X, 0), weights, data.Labels, options)
            : BrushingTool.Create(scores, Trajectories(data.X), weights, data.Labels, options);
        return new KitView(null)
            .Note("Box- or lasso-select samples in the middle scatter: the right column redraws the global |PC1| map of the selection per label.")
            .Add(tool);
    }

    /// <summary>
    /// A sanity-check result: what it measures, its summary, its curves as line charts, for a check with per-sample PCA scores
    /// (kept-removed) the scatter of each group, and the first rows of its table.
    /// </summary>
    public static KitView SanityCheck(SanityCheckResult result, int maxRows = 20)
    {
        ArgumentNullException.ThrowIfNull(result);
        var view = new KitView($"Sanity check {result.Check} on {result.Dataset} ({result.Method})")
            .Note($"{result.Description} Headline metric: {result.DirectionText} is better.")
            .Add(FactTable(result.Summary.Select(pair => (pair.Key, (object?)pair.Value)).ToList(), "summary", "value"));
        int k = 0;
        foreach (SanityCurve curve in result.Curves)
        {
            var chart = Charts.Lines(curve.X.ToArray(), curve.Series.Select(s => KeyValuePair.Create(s.Name, s.Y.ToArray())), curve.Title, curve.XLabel, curve.YLabel,
                width: 760, height: 420);
            view.Add(Figure.FromChart(chart, $"{result.Dataset}-{result.Check}-curve{++k}"));
        }
        if (GroupScores(result.Rows) is { } scores) view.Add(scores);
        return view.Add(HtmlTable.From(result.Rows, maxRows));
    }

    /// <summary>
    /// The closing summary of a notebook as a frame: the dataset, the model, the global-saliency run (device, GradCAM time,
    /// explained variance) and each sanity check's summary values.
    /// </summary>
    public static DataFrame Summary(TimeSeriesDataset data, LoadedModel model, GlobalSaliencyResult result, params SanityCheckResult[] checks)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(result);
        var rows = new List<(string, object?)>
        {
            ("dataset", $"{data.Info.Name}: {data.N} samples, {data.ClassNames.Length} labels, C × L = {data.C} × {data.L}"),
            ("model", $"D = {model.Model.LatentDim}, {(model.Card.Config.Prior == LatentPrior.VampPrior ? "VampPrior" : "standard prior")}, best validation log-MSE {F(model.Card.BestValidationLogMse)}"),
            ("GradCAM (all samples × all latent dims)", string.Create(CultureInfo.InvariantCulture, $"{result.Timings.GradCamSeconds:F2} s on {result.Device}")),
            ("global maps", $"{result.Variant}, {result.Maps.Labels.Count} labels × {result.Maps.ComponentCount} components, grid {result.Options.GridSize}, sigma {F(result.Options.Sigma)}"),
        };
        for (int k = 0; k < result.Pca.ComponentCount; k++) rows.Add(($"explained variance ratio PC{k + 1}", result.Pca.ExplainedVarianceRatio[k]));
        foreach (SanityCheckResult check in checks)
            foreach ((string key, object value) in check.Summary)
                rows.Add(($"{check.Check}: {key}", value));
        return new DataFrame(
            new StringDataFrameColumn("quantity", rows.Select(r => r.Item1)),
            new StringDataFrameColumn("value", rows.Select(r => Format(r.Item2))));
    }

    /// <summary>
    /// Evenly spaced samples of each label, at most <paramref name="maxPerLabel"/>, and the curve opacity that keeps the ink
    /// where all of a label's curves overlap: 1 − (1 − α)^(n / shown) for a label of n curves of which <c>shown</c> are drawn.
    /// </summary>
    public static (int[] Rows, double Alpha) CurveSample(IReadOnlyList<string> labels, int maxPerLabel, double alpha)
    {
        if (maxPerLabel < 1) throw new ArgumentOutOfRangeException(nameof(maxPerLabel), maxPerLabel, "At least one curve per label is needed.");
        var rows = new List<int>();
        double ratio = 1;
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]))
        {
            int[] members = group.ToArray();
            int shown = Math.Min(maxPerLabel, members.Length);
            rows.AddRange(Enumerable.Range(0, shown).Select(k => members[(int)((long)k * members.Length / shown)]));
            ratio = Math.Max(ratio, members.Length / (double)shown);
        }
        rows.Sort();
        return (rows.ToArray(), Math.Min(1, 1 - Math.Pow(1 - alpha, ratio)));
    }

    private static GlobalMapStyle Style(GlobalSaliencyResult result, TimeSeriesDataset? data, double alpha)
    {
        DatasetInfo? info = data?.Info;
        bool series = result.Variant == MapVariant.TimeSeries;
        return new GlobalMapStyle
        {
            CurveAlpha = alpha,
            SharedComponentScale = series,
            InvertY = !series && (info?.InvertYAxis ?? false),
            XTitle = series ? "time step" : info?.XAxisTitle ?? "channel 0",
            YTitle = series ? info?.YAxisTitle ?? "value" : info?.YAxisTitle ?? "channel 1",
        };
    }

    private static (IReadOnlyList<IReadOnlyList<Polyline>> Curves, double Alpha) CurvesByLabel(GlobalSaliencyResult result, TimeSeriesDataset? data,
        IReadOnlyList<string> labels, int maxPerLabel)
    {
        bool series = result.Variant == MapVariant.TimeSeries;
        double paperAlpha = series ? SeriesMapAlpha : TrajectoryMapAlpha;
        if (data == null) return (labels.Select(_ => (IReadOnlyList<Polyline>)Array.Empty<Polyline>()).ToList(), paperAlpha);
        (int[] rows, double alpha) = CurveSample(data.Labels, maxPerLabel, paperAlpha);
        IReadOnlyList<Polyline> all = series ? Polyline.FromSeries(Series(data.X, 0)) : Polyline.FromTrajectories(Trajectories(data.X));
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

    /// <summary>For rows with group, label, pc1 and pc2 columns (kept-removed): one PCA scatter panel per group, points coloured by label.</summary>
    private static Figure? GroupScores(DataFrame rows)
    {
        string[] names = rows.Columns.Select(c => c.Name).ToArray();
        if (!new[] { "group", "label", "pc1", "pc2" }.All(names.Contains)) return null;
        var groupColumn = (StringDataFrameColumn)rows["group"];
        var labelColumn = (StringDataFrameColumn)rows["label"];
        var pc1 = (DoubleDataFrameColumn)rows["pc1"];
        var pc2 = (DoubleDataFrameColumn)rows["pc2"];
        var groups = Enumerable.Range(0, (int)rows.Rows.Count).Select(i => groupColumn[i]).Distinct().ToList();
        var labels = Enumerable.Range(0, (int)rows.Rows.Count).Select(i => labelColumn[i]).Distinct().OrderBy(l => l, StringComparer.Ordinal).ToList();
        IReadOnlyDictionary<string, string> colours = LabelColors.For(labels);
        var panels = groups.Select(group => (IReadOnlyList<(string, string, Polyline)>)labels.Select(label =>
        {
            var members = Enumerable.Range(0, (int)rows.Rows.Count).Where(i => groupColumn[i] == group && labelColumn[i] == label).ToList();
            return (label, colours[label], new Polyline(members.Select(i => pc1[i] ?? double.NaN).ToArray(), members.Select(i => pc2[i] ?? double.NaN).ToArray()));
        }).ToList()).ToList();
        var chart = Charts.PointGroups(groups.Select(g => $"{g} series").ToArray(), panels, "Re-encoded series in the PCA of the originals", "PC1", "PC2", shareAxes: true);
        return Figure.FromChart(chart, "sanity-group-scores");
    }

    private static HtmlTable FactTable(IReadOnlyList<(string Name, object? Value)> facts, string nameColumn = "property", string valueColumn = "value") =>
        new(new[] { nameColumn, valueColumn },
            facts.Where(f => f.Value != null).Select(f => (IReadOnlyList<object?>)new object?[] { f.Name, f.Value is double d ? F(d) : f.Value }).ToList());

    private static string Format(object? value) => value switch
    {
        null => "",
        double d => F(d),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string F(double? value) => value is { } v ? v.ToString("G5", CultureInfo.InvariantCulture) : "unknown";

    private static string Shown(int shown, int total) => shown == total ? $"all {total}" : $"{shown} of {total} shown";

    private static string Slug(string text) => new string(text.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');

    /// <summary>Channel <paramref name="channel"/> of X (N, C, L) as N series.</summary>
    private static double[][] Series(Tensor x, int channel)
    {
        using var scope = NewDisposeScope();
        return Rows(x.select(1, channel));
    }

    /// <summary>X (N, C ≥ 2, L) as N trajectories of L (channel 0, channel 1) points.</summary>
    private static double[][][] Trajectories(Tensor x)
    {
        double[][] first = Series(x, 0), second = Series(x, 1);
        return first.Select((xs, i) => xs.Select((value, t) => new[] { value, second[i][t] }).ToArray()).ToArray();
    }

    private static double[][] Rows(Tensor matrix)
    {
        double[] flat = ToArray(matrix);
        int columns = (int)matrix.shape[1];
        return Enumerable.Range(0, (int)matrix.shape[0]).Select(r => flat.AsSpan(r * columns, columns).ToArray()).ToArray();
    }

    private static double[] ToArray(Tensor tensor)
    {
        using var values = tensor.detach().cpu().to(ScalarType.Float64).contiguous();
        return values.data<double>().ToArray();
    }
}
