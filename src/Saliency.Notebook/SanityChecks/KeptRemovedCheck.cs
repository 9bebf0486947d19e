using Saliency.Notebook.Explainers;
using Saliency.Notebook.GlobalMaps;
using static TorchSharp.torch;

namespace Saliency.Notebook.SanityChecks;

/// <summary>One row of <see cref="KeptRemovedCheck"/>: one sample of one group (original, kept, removed) re-encoded.</summary>
/// <param name="Group">original, kept or removed.</param>
/// <param name="Label">The sample's class.</param>
/// <param name="Sample">Its dataset index.</param>
/// <param name="Pc1">PC1 score in the PCA of the originals.</param>
/// <param name="Pc2">PC2 score (PC1 again when the PCA has one component).</param>
/// <param name="LatentDisplacement">‖z − z_original‖.</param>
/// <param name="PcaDisplacement">Distance from the original's scores in PCA space.</param>
public sealed record KeptRemovedRow(string Group, string Label, int Sample, double Pc1, double Pc2, double LatentDisplacement, double PcaDisplacement);

/// <summary>
/// Keep-salient vs keep-non-salient (explain/pruned_trajectories.py apply_pruning_mask, symbols/apply_gradcam_mask): |GradCAM|
/// min-max normalised per latent dimension over all samples and steps, |G_norm · PC1| per sample and step, mask = value ≥
/// 0.2 · global max; "kept" = positions · mask and "removed" = positions · (1 − mask) (zeros elsewhere, as the original).
/// Both and the originals are re-encoded and placed in the PCA fitted on the originals; the metric is how far each group
/// moves from its originals, in latent and in PCA space, per label.
/// </summary>
public sealed class KeptRemovedCheck : LatentPerturbationCheck
{
    /// <summary>The mask threshold as a fraction of the global maximum (the original's 0.2).</summary>
    public double ThresholdFraction { get; init; } = 0.2;

    /// <inheritdoc/>
    public override string Name => "kept-removed";

    /// <inheritdoc/>
    public override bool IsPerClass => true;

    /// <inheritdoc/>
    public override string Description =>
        "Re-encodes the series with only the salient steps kept (0.2·max of normalised |PC1| GradCAM; others zeroed) and with only " +
        "the non-salient steps kept; the headline is the removed/kept ratio of the mean latent displacement from the originals.";

    /// <inheritdoc/>
    public override MetricDirection Direction => MetricDirection.Higher;

    /// <inheritdoc/>
    protected override SanityCheckResult Execute(SanityCheckInputs inputs, IReadOnlyList<SaliencyMethod> methods)
    {
        var data = inputs.Data;
        var saliency = ComputeSaliency(inputs, methods[0], data.X);
        var mask = SalientSteps.PruningMask(saliency.AbsoluteMaps, saliency.Pca, ThresholdFraction).unsqueeze(1).to(data.X.dtype);   // (N, 1, L)
        var kept = data.X * mask;
        var removed = data.X * (1 - mask);
        double zeroPercent = kept.eq(0).to(ScalarType.Float64).mean().item<double>() * 100;

        var groups = new (string Name, Tensor Latents)[]
        {
            ("original", saliency.Latents),
            ("kept", Encode(inputs, kept)),
            ("removed", Encode(inputs, removed)),
        };
        var originalLatents = saliency.Latents.to(ScalarType.Float64);
        var rows = new List<KeptRemovedRow>();
        var summary = new Dictionary<string, object> { ["zero_percent"] = zeroPercent };
        var perGroupLatent = new Dictionary<string, double[]>();
        var labels = LabelsOf(inputs);
        foreach (var (group, latents) in groups)
        {
            var scores = saliency.Pca.Transform(latents);
            var latentShift = ToArray((latents.to(ScalarType.Float64) - originalLatents).square().sum(1).sqrt());
            var pcaShift = ToArray((scores - saliency.Scores).square().sum(1).sqrt());
            var pc1 = ToArray(scores.select(1, 0));
            var pc2 = ToArray(scores.select(1, Math.Min(1, scores.shape[1] - 1)));
            var means = new double[labels.Count];
            for (int l = 0; l < labels.Count; l++)
            {
                var members = data.IndicesOf(labels[l]);
                foreach (long i in members)
                    rows.Add(new KeptRemovedRow(group, labels[l], (int)i, pc1[i], pc2[i], latentShift[i], pcaShift[i]));
                means[l] = members.Average(i => latentShift[i]);
                if (group == "original") continue;                             // the originals' displacements are 0 by construction
                summary[$"{group}.{labels[l]}.latent_displacement"] = means[l];
                summary[$"{group}.{labels[l]}.pca_displacement"] = members.Average(i => pcaShift[i]);
            }
            perGroupLatent[group] = means;
        }
        double keptMean = perGroupLatent["kept"].Average(), removedMean = perGroupLatent["removed"].Average();
        summary["removed_over_kept_latent_displacement"] = removedMean / keptMean;

        var chart = new SanityCurve($"Mean latent displacement from the originals per label ({string.Join(", ", labels)})", "label", "mean ‖Δz‖",
            Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray(),
            [new CurveSeries("kept (salient steps)", perGroupLatent["kept"]), new CurveSeries("removed (non-salient steps)", perGroupLatent["removed"])], labels.ToArray());
        return Result(inputs, methods, SanityTable.From(rows), summary, chart);
    }
}
