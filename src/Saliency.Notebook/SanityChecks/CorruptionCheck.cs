using Saliency.Notebook.Explainers;
using static TorchSharp.torch;

namespace Saliency.Notebook.SanityChecks;

/// <summary>One row of <see cref="CorruptionCheck"/>: the held-out samples with one share of their most or least important steps (by one method) corrupted.</summary>
/// <param name="Method">The method whose importance chose the steps.</param>
/// <param name="Corrupted">most or least (important steps).</param>
/// <param name="Percent">Share of the steps corrupted, in percent (0 = clean).</param>
/// <param name="Steps">Steps corrupted per sample.</param>
/// <param name="Accuracy">Classifier accuracy.</param>
/// <param name="LatentDisplacement">Mean ‖Δz‖ from the clean samples' latents.</param>
public sealed record CorruptionRow(string Method, string Corrupted, double Percent, int Steps, double Accuracy, double LatentDisplacement);

/// <summary>
/// Corruption check (CSDA paper, check 3, adapted to an autoencoder): a small CNN classifier is trained (seeded) on the
/// uncorrupted training part of a seeded split; on the held-out part, the 10/20/30 % most and least important time steps
/// of each sample are corrupted — replaced, on every channel, by that sample's own per-channel mean over time, which removes
/// the local shape but keeps the level — with importance = |PC1 projection| of the method's |maps| (GradCAM by default;
/// input attributions summed over channels). Reported: classifier accuracy and mean latent displacement ‖Δz‖ per fraction,
/// and the trapezoid areas of both curves. Corrupting the most important steps must hurt far more than the least important.
/// Several methods share the classifier and the split; each corrupts by its own importance.
/// </summary>
public sealed class CorruptionCheck : LatentPerturbationCheck
{
    /// <summary>Fractions of the steps corrupted.</summary>
    public IReadOnlyList<double> Fractions { get; init; } = [0.1, 0.2, 0.3];

    /// <summary>Share of the samples held out for evaluation.</summary>
    public double HoldoutFraction { get; init; } = 0.3;

    /// <summary>Training epochs of the classifier.</summary>
    public int ClassifierEpochs { get; init; } = 40;

    /// <inheritdoc/>
    public override string Name => "corruption";

    /// <inheritdoc/>
    public override string Description =>
        "Classifier accuracy and latent displacement after replacing the 10/20/30 % most vs least important steps by the " +
        "sample mean; the headline is the accuracy-area gap (least − most), which a meaningful importance makes large.";

    /// <inheritdoc/>
    public override MetricDirection Direction => MetricDirection.Higher;

    /// <inheritdoc/>
    public override bool ComparesMethods => true;

    /// <summary>
    /// x (n, C, L) with the <paramref name="count"/> steps of highest (<paramref name="most"/>) or lowest importance (n, L)
    /// of each sample replaced by the sample's per-channel mean over time.
    /// </summary>
    public static Tensor Corrupt(Tensor x, Tensor importance, int count, bool most)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(importance);
        if (count == 0) return x.clone();
        using var scope = NewDisposeScope();
        var steps = importance.topk(count, dim: 1, largest: most).indexes;                       // (n, k)
        var mask = zeros(importance.shape, dtype: ScalarType.Bool).scatter_(1, steps, ones_like(steps, dtype: ScalarType.Bool));
        var condition = mask.unsqueeze(1).expand_as(x);
        var mean = x.mean(new long[] { 2 }, keepdim: true).expand_as(x);
        return where(condition, mean, x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One method: the summary gives the areas of its four curves and the chart its most- and least-important curves. Several:
    /// the summary gives each method's accuracy-area gap (least − most), displacement-area gap (most − least) and verdict, keys
    /// prefixed by the method, and the charts one gap curve per method.
    /// </remarks>
    protected override SanityCheckResult Execute(SanityCheckInputs inputs, IReadOnlyList<SaliencyMethod> methods)
    {
        var data = inputs.Data;
        var classes = data.ClassNames.ToList();
        var labels = tensor(data.Labels.Select(l => (long)classes.IndexOf(l)).ToArray());
        long n = data.X.shape[0], length = data.X.shape[2];
        var order = randperm(n, generator: new Generator((ulong)inputs.Seed));
        long held = Math.Max(1, (long)Math.Round(n * HoldoutFraction));
        var evaluation = order.narrow(0, 0, held).sort().Values;
        var training = order.narrow(0, held, n - held);

        using var classifier = SanityClassifier.Train(data.X.index_select(0, training), labels.index_select(0, training), classes.Count,
            ClassifierEpochs, inputs.Seed, inputs.Device);
        var x = data.X.index_select(0, evaluation);
        var y = labels.index_select(0, evaluation);
        var originalLatents = Encode(inputs, x).to(ScalarType.Float64);

        // One batch: the clean samples, then per method the most- and the least-important corruptions at every fraction.
        var counts = Fractions.Select(f => (int)Math.Round(f * length)).ToArray();
        var batches = new List<Tensor> { x };
        foreach (var method in methods)
        {
            var importance = ComputeSaliency(inputs, method, data.X).Projections.select(-1, 0).abs().index_select(0, evaluation);
            foreach (bool most in new[] { true, false })
                foreach (int count in counts) batches.Add(Corrupt(x, importance, count, most));
        }
        var corrupted = cat(batches.ToArray(), 0);
        var predictions = classifier.Predict(corrupted, inputs.Device, inputs.BatchSize).view(-1, held);
        var accuracy = ToArray(predictions.eq(y.unsqueeze(0)).to(ScalarType.Float64).mean(new long[] { 1 }));
        var latents = Encode(inputs, corrupted).to(ScalarType.Float64).view(-1, held, originalLatents.shape[1]);
        var displacement = ToArray((latents - originalLatents.unsqueeze(0)).square().sum(2).sqrt().mean(new long[] { 1 }));

        var xs = Fractions.Prepend(0).Select(f => f * 100).ToArray();
        var fractionAxis = xs.Select(v => v / 100).ToArray();
        int fractions = Fractions.Count;
        bool single = methods.Count == 1;
        var rows = new List<CorruptionRow>();
        var summary = new Dictionary<string, object> { ["clean_accuracy"] = accuracy[0] };
        var accuracyGaps = new List<CurveSeries>();
        var displacementGaps = new List<CurveSeries>();
        var passing = new List<string>();
        SanityCurve[] singleCharts = [];
        for (int m = 0; m < methods.Count; m++)
        {
            double[] Curve(double[] values, int block) =>
                values.Take(1).Concat(values.Skip(1 + (2 * m + block) * fractions).Take(fractions)).ToArray();
            var accuracyMost = Curve(accuracy, 0);
            var accuracyLeast = Curve(accuracy, 1);
            var displacementMost = Curve(displacement, 0);
            var displacementLeast = Curve(displacement, 1);
            foreach (var (mode, acc, disp) in new[] { ("most", accuracyMost, displacementMost), ("least", accuracyLeast, displacementLeast) })
                for (int i = 0; i < xs.Length; i++)
                    rows.Add(new CorruptionRow(methods[m].Name, mode, xs[i], i == 0 ? 0 : counts[i - 1], acc[i], disp[i]));
            double areaMost = SanityStatistics.Trapezoid(fractionAxis, accuracyMost), areaLeast = SanityStatistics.Trapezoid(fractionAxis, accuracyLeast);
            double displacementAreaMost = SanityStatistics.Trapezoid(fractionAxis, displacementMost);
            double displacementAreaLeast = SanityStatistics.Trapezoid(fractionAxis, displacementLeast);
            bool mostHurtsMore = areaMost < areaLeast && displacementAreaMost > displacementAreaLeast;
            if (mostHurtsMore) passing.Add(methods[m].Name);
            if (single)
            {
                summary["accuracy_area_most"] = areaMost;
                summary["accuracy_area_least"] = areaLeast;
                summary["accuracy_area_gap"] = areaLeast - areaMost;
                summary["displacement_area_most"] = displacementAreaMost;
                summary["displacement_area_least"] = displacementAreaLeast;
                summary["most_hurts_more"] = mostHurtsMore;
                singleCharts =
                [
                    new SanityCurve("Classifier accuracy after corruption", "% of steps corrupted", "accuracy", xs,
                        [new CurveSeries("most important", accuracyMost), new CurveSeries("least important", accuracyLeast)]),
                    new SanityCurve("Latent displacement after corruption", "% of steps corrupted", "mean ‖Δz‖", xs,
                        [new CurveSeries("most important", displacementMost), new CurveSeries("least important", displacementLeast)]),
                ];
                continue;
            }
            string key = methods[m].Name + ".";
            summary[key + "accuracy_area_gap"] = areaLeast - areaMost;
            summary[key + "displacement_area_gap"] = displacementAreaMost - displacementAreaLeast;
            summary[key + "most_hurts_more"] = mostHurtsMore;
            accuracyGaps.Add(new CurveSeries(methods[m].Name, accuracyLeast.Zip(accuracyMost, (least, most) => least - most).ToArray()));
            displacementGaps.Add(new CurveSeries(methods[m].Name, displacementMost.Zip(displacementLeast, (most, least) => most - least).ToArray()));
        }
        if (!single) summary["methods_where_most_hurts_more"] = passing;
        var charts = single ? singleCharts :
        [
            new SanityCurve("Accuracy gap: least − most important steps corrupted", "% of steps corrupted",
                "accuracy gap", xs, accuracyGaps),
            new SanityCurve("Latent displacement gap: most − least important steps corrupted", "% of steps corrupted",
                "‖Δz‖ gap", xs, displacementGaps),
        ];
        return Result(inputs, methods, SanityTable.From(rows), summary, charts);
    }
}
