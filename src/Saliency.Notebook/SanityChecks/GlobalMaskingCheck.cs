using Saliency.Notebook.Explainers;
using static TorchSharp.torch;

namespace Saliency.Notebook.SanityChecks;

/// <summary>One row of <see cref="GlobalMaskingCheck"/>: a class at one percentile.</summary>
/// <param name="Label">The class.</param>
/// <param name="Percentile">The percentile p of the class-mean PC1 map.</param>
/// <param name="Threshold">percentile(m, p).</param>
/// <param name="KeptSteps">Steps with m ≥ threshold.</param>
/// <param name="MeanAbsDeltaPc1">Class mean of |ΔPC1| after masking.</param>
public sealed record GlobalMaskingRow(string Label, double Percentile, double Threshold, int KeptSteps, double MeanAbsDeltaPc1);

/// <summary>
/// The paper's global masking check (symbols notebook cell 7, compute_global_latent_distance): per class, the class-mean
/// raw PC1 projection m (L) of |GradCAM|; for each percentile p the steps with m ≥ percentile(m, p) are kept and the others
/// set to −1 on every channel of every sample of the class; the masked samples are re-encoded and projected with the
/// ORIGINAL PCA; the metric is the class mean of |ΔPC1|. A higher percentile keeps fewer steps.
/// </summary>
public sealed class GlobalMaskingCheck : LatentPerturbationCheck
{
    /// <summary>The paper's percentiles.</summary>
    public IReadOnlyList<double> Percentiles { get; init; } = [10, 20, 30, 40, 50, 60, 70, 80, 90, 99];

    /// <inheritdoc/>
    public override string Name => "global-masking";

    /// <inheritdoc/>
    public override bool IsPerClass => true;

    /// <inheritdoc/>
    public override string Description =>
        "Mean |ΔPC1| of a class after keeping only the steps whose class-mean PC1 saliency is ≥ its p-th percentile (others set to −1); " +
        "a meaningful map keeps the latent code where few salient steps survive.";

    /// <inheritdoc/>
    public override MetricDirection Direction => MetricDirection.Lower;

    /// <inheritdoc/>
    protected override SanityCheckResult Execute(SanityCheckInputs inputs, IReadOnlyList<SaliencyMethod> methods)
    {
        var method = methods[0];
        var data = inputs.Data;
        var saliency = ComputeSaliency(inputs, method, data.X);
        var pc1 = saliency.Projections.select(-1, 0);                         // (N, L) raw PC1 projection

        var rows = new List<GlobalMaskingRow>();
        var summary = new Dictionary<string, object>();
        var series = new List<CurveSeries>();
        var labels = LabelsOf(inputs);
        foreach (var label in labels)
        {
            using var scope = NewDisposeScope();
            var indices = tensor(data.IndicesOf(label));
            var classMean = ToArray(pc1.index_select(0, indices).mean(new long[] { 0 }));
            var thresholds = Percentiles.Select(p => SanityStatistics.Percentile(classMean, p)).ToArray();
            var keep = KeepMasks(classMean, thresholds);
            var samples = data.X.index_select(0, indices);
            var masked = ScoresOf(inputs, saliency.Pca, Masked(samples, keep)).view(thresholds.Length, indices.shape[0], -1);
            var original = saliency.Scores.index_select(0, indices).select(1, 0);
            var distances = ToArray((masked.select(2, 0) - original.unsqueeze(0)).abs().mean(new long[] { 1 }));
            var kept = ToArray(keep.to(ScalarType.Float64).sum(1));

            for (int p = 0; p < thresholds.Length; p++)
                rows.Add(new GlobalMaskingRow(label, Percentiles[p], thresholds[p], (int)kept[p], distances[p]));
            summary[$"{label}.area"] = SanityStatistics.Trapezoid(Percentiles.Select(p => p / 100).ToArray(), distances);
            summary[$"{label}.first"] = distances[0];
            summary[$"{label}.last"] = distances[^1];
            series.Add(new CurveSeries(label, distances));
        }
        var curve = new SanityCurve($"Mean latent distance vs threshold percentile ({string.Join(", ", labels)})", "threshold percentile", "mean |ΔPC1|", Percentiles, series);
        return Result(inputs, methods, SanityTable.From(rows), summary, curve);
    }

    /// <summary>Keep masks (P, L): step t is kept under threshold p when m[t] ≥ threshold[p].</summary>
    private static Tensor KeepMasks(double[] classMean, double[] thresholds)
    {
        var m = tensor(classMean, ScalarType.Float64);
        var thr = tensor(thresholds, ScalarType.Float64);
        return m.unsqueeze(0).ge(thr.unsqueeze(1));
    }
}
