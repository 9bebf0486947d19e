using System.Globalization;
using Microsoft.Data.Analysis;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.Plots;
using Saliency.Notebook.SanityChecks;
using static Saliency.Notebook.Display.ViewData;

namespace Saliency.Notebook.Display;

/// <summary>Views of sanity-check results and the closing summary of a notebook.</summary>
public static partial class Views
{
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
            var chart = Charts.Lines(curve.X.ToArray(), curve.Series.Select(s => KeyValuePair.Create(s.Name, s.Y.ToArray())), LabelText.Display(curve.Title), curve.XLabel, curve.YLabel,
                width: 760, height: 420, xNames: curve.XNames);
            view.Add(Figure.FromChart(chart, $"{result.Dataset}-{result.Check}-curve{++k}"));
        }
        if (GroupScores(result.Rows) is { } scores) view.Add(scores);
        return view.Add(HtmlTable.From(result.Rows, maxRows));
    }

    /// <summary>
    /// Local against global masking for one class (the paper's local_global/pca_distance_compare figure): the global-masking
    /// curve (mean |ΔPC1| of the class, the class-mean PC1 map as mask) in red, named <c>global</c>, and one grey curve per
    /// reference sample of the local-masking check (mean Euclidean distance in the 2-D PCA, that sample's own PC1 map as mask),
    /// named <c>local &lt;its dataset index&gt;</c>, over the same percentiles; then the local check's summary.
    /// </summary>
    public static KitView MaskingComparison(SanityCheckResult global, SanityCheckResult local, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(local);
        if (global.Check != "global-masking" || local.Check != "local-masking")
            throw new ArgumentException($"Give a global-masking and a local-masking result; got {global.Check} and {local.Check}.");
        var globalLabels = (StringDataFrameColumn)global.Rows["label"];
        var localLabels = (StringDataFrameColumn)local.Rows["label"];
        string chosen = label ?? globalLabels[0];
        long[] globalRows = RowsWhere(globalLabels, chosen), localRows = RowsWhere(localLabels, chosen);
        if (globalRows.Length == 0 || localRows.Length == 0)
            throw new ArgumentException($"Both results need rows of label '{chosen}' (global: {globalRows.Length}, local: {localRows.Length}).", nameof(label));
        var globalPercentile = (DoubleDataFrameColumn)global.Rows["percentile"];
        var globalDistance = (DoubleDataFrameColumn)global.Rows["mean_abs_delta_pc1"];
        double[] percentiles = globalRows.Select(r => globalPercentile[r] ?? double.NaN).ToArray();
        double[] globalCurve = globalRows.Select(r => globalDistance[r] ?? double.NaN).ToArray();
        var reference = (Int32DataFrameColumn)local.Rows["reference"];
        var localPercentile = (DoubleDataFrameColumn)local.Rows["percentile"];
        var localDistance = (DoubleDataFrameColumn)local.Rows["mean_pca_distance"];
        var locals = localRows.GroupBy(r => reference[r] ?? -1).Select(group =>
        {
            var byPercentile = group.ToDictionary(r => localPercentile[r] ?? double.NaN, r => localDistance[r] ?? double.NaN);
            return ($"local {group.Key}", percentiles.Select(p => byPercentile.GetValueOrDefault(p, double.NaN)).ToArray());
        }).ToList();
        string shown = LabelText.Display(chosen);
        var chart = Charts.MaskingCurves(percentiles, globalCurve, locals,
            $"{global.Dataset}, label {shown}: global mask (red) against {locals.Count} local masks (grey)", "threshold percentile p (steps kept: saliency above the p-th percentile)",
            "distance from the original codes");
        return new KitView($"Local against global masking, label {shown}")
            .Note($"Red: global, the class-mean PC1 map as the mask of every {shown} sample, mean |ΔPC1|. Grey: local, one reference sample's own PC1 map as the mask of every {shown} sample, mean Euclidean distance in the 2-D PCA; one curve per reference sample, chosen at random with a fixed seed.")
            .Add(Figure.FromChart(chart, $"{global.Dataset}-local-global-masking"))
            .Add(FactTable(local.Summary.Where(pair => pair.Key.StartsWith(chosen + ".", StringComparison.Ordinal))
                .Select(pair => ("local-masking: " + LabelText.Display(pair.Key), (object?)pair.Value)).ToList(), "summary", "value"));
    }

    private static long[] RowsWhere(StringDataFrameColumn column, string value) =>
        Enumerable.Range(0, (int)column.Length).Where(i => column[i] == value).Select(i => (long)i).ToArray();

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
        var labels = LabelOrder.Distinct(Enumerable.Range(0, (int)rows.Rows.Count).Select(i => labelColumn[i])).ToList();
        IReadOnlyDictionary<string, string> colours = LabelColors.For(labels);
        var panels = groups.Select(group => (IReadOnlyList<(string, string, Polyline)>)labels.Select(label =>
        {
            var members = Enumerable.Range(0, (int)rows.Rows.Count).Where(i => groupColumn[i] == group && labelColumn[i] == label).ToList();
            return (label, colours[label], new Polyline(members.Select(i => pc1[i] ?? double.NaN).ToArray(), members.Select(i => pc2[i] ?? double.NaN).ToArray()));
        }).ToList()).ToList();
        var chart = Charts.PointGroups(groups.Select(g => $"{g} series").ToArray(), panels, "Re-encoded series in the PCA of the originals", "PC1", "PC2", shareAxes: true);
        return Figure.FromChart(chart, "sanity-group-scores");
    }
}
