using Saliency.Notebook.Explainers;
using static TorchSharp.torch;

namespace Saliency.Notebook.SanityChecks;

/// <summary>One row of <see cref="LocalMaskingCheck"/>: one reference sample's mask at one percentile.</summary>
/// <param name="Label">The class.</param>
/// <param name="Reference">The reference sample: its row in the dataset (<see cref="SanityData.SourceRow"/>), also when the check ran on a sample of it.</param>
/// <param name="Percentile">The percentile p of the reference's own PC1 map.</param>
/// <param name="Threshold">percentile(map, p).</param>
/// <param name="KeptSteps">Steps kept (map &gt; threshold).</param>
/// <param name="MeanPcaDistance">Mean Euclidean distance in PCA space of the class's masked samples from their originals.</param>
public sealed record LocalMaskingRow(string Label, int Reference, double Percentile, double Threshold, int KeptSteps, double MeanPcaDistance);

/// <summary>
/// The local counterpart of global masking (explain/local.py): the mask comes from ONE reference sample's own raw PC1
/// projection (keep steps whose value is &gt; its own p-th percentile, the rest set to −1) and is applied to every sample
/// of the reference's class; the metric is the mean Euclidean distance in the 2-D PCA space between the masked and the
/// original samples. About 20 seeded reference samples per class give the grey "Local" curves of the paper's comparison figure.
/// Differs from local.py on purpose: its <c>compute_gradcam_pca</c> projects the signed GradCAM (its plotting functions take
/// |GradCAM|), so a strongly negative step would count as unimportant; the kit projects |GradCAM| as the global maps and global
/// masking do. No notebook drives local.py, so no printed number of the paper depends on the choice.
/// </summary>
public sealed class LocalMaskingCheck : LatentPerturbationCheck
{
    /// <summary>The paper's percentiles.</summary>
    public IReadOnlyList<double> Percentiles { get; init; } = [10, 20, 30, 40, 50, 60, 70, 80, 90, 99];

    /// <summary>Reference samples per class (fewer when the class is smaller).</summary>
    public int ReferencesPerClass { get; init; } = 20;

    /// <inheritdoc/>
    public override string Name => "local-masking";

    /// <inheritdoc/>
    public override bool IsPerClass => true;

    /// <inheritdoc/>
    public override string Description =>
        "Mean 2-D PCA distance of a class's samples after masking them (−1) with one reference sample's own PC1 saliency mask " +
        "(steps > its p-th percentile kept), per reference and percentile; compare with global-masking.";

    /// <inheritdoc/>
    public override MetricDirection Direction => MetricDirection.Lower;

    /// <inheritdoc/>
    protected override SanityCheckResult Execute(SanityCheckInputs inputs, IReadOnlyList<SaliencyMethod> methods)
    {
        var data = inputs.Data;
        var saliency = ComputeSaliency(inputs, methods[0], data.X);
        var pc1 = saliency.Projections.select(-1, 0);
        int percentileCount = Percentiles.Count;

        var rows = new List<LocalMaskingRow>();
        var summary = new Dictionary<string, object>();
        var series = new List<CurveSeries>();
        var generator = new Generator((ulong)inputs.Seed);
        var labels = LabelsOf(inputs);
        foreach (var label in labels)
        {
            using var scope = NewDisposeScope();
            var members = data.IndicesOf(label);
            var order = randperm(members.Length, generator: generator).data<long>().ToArray();
            var references = order.Take(Math.Min(ReferencesPerClass, members.Length)).Select(i => members[i]).ToArray();

            // Keep masks (R·P, L): row r·P + p is reference r's own map thresholded at its p-th percentile (strict >).
            var referenceMaps = pc1.index_select(0, tensor(references));
            var thresholds = new double[references.Length * percentileCount];
            for (int r = 0; r < references.Length; r++)
            {
                var own = ToArray(referenceMaps[r]);
                for (int p = 0; p < percentileCount; p++) thresholds[r * percentileCount + p] = SanityStatistics.Percentile(own, Percentiles[p]);
            }
            var keep = referenceMaps.repeat_interleave(percentileCount, 0).gt(tensor(thresholds, ScalarType.Float64).unsqueeze(1));

            var indices = tensor(members);
            var masked = ScoresOf(inputs, saliency.Pca, Masked(data.X.index_select(0, indices), keep)).view(keep.shape[0], members.Length, -1);
            var original = saliency.Scores.index_select(0, indices).unsqueeze(0);
            var distances = ToArray((masked - original).square().sum(2).sqrt().mean(new long[] { 1 }));   // (R·P)
            var kept = ToArray(keep.to(ScalarType.Float64).sum(1));

            var meanCurve = new double[percentileCount];
            for (int r = 0; r < references.Length; r++)
            {
                var curve = new double[percentileCount];
                for (int p = 0; p < percentileCount; p++)
                {
                    int row = r * percentileCount + p;
                    rows.Add(new LocalMaskingRow(label, (int)data.SourceRow(references[r]), Percentiles[p], thresholds[row], (int)kept[row], distances[row]));
                    curve[p] = distances[row];
                    meanCurve[p] += distances[row] / references.Length;
                }
                series.Add(new CurveSeries($"{label} / sample {data.SourceRow(references[r])}", curve));
            }
            series.Add(new CurveSeries($"{label} (mean of {references.Length})", meanCurve));
            summary[$"{label}.references"] = references.Length;
            summary[$"{label}.mean_area"] = SanityStatistics.Trapezoid(Percentiles.Select(p => p / 100).ToArray(), meanCurve);
            summary[$"{label}.mean_first"] = meanCurve[0];
            summary[$"{label}.mean_last"] = meanCurve[^1];
        }
        var chart = new SanityCurve($"PCA distance vs threshold percentile, local masks ({string.Join(", ", labels)})", "threshold percentile", "mean Euclidean distance in PCA space", Percentiles, series);
        return Result(inputs, methods, SanityTable.From(rows), summary, chart);
    }
}
