using Saliency.Notebook.Explainers;
using static TorchSharp.torch;

namespace Saliency.Notebook.SanityChecks;

/// <summary>One row of <see cref="TranslationCheck"/>: one method's mean cross-correlation at one lag for one shift.</summary>
/// <param name="Method">The method whose maps are compared.</param>
/// <param name="Shift">The shift s applied to the series.</param>
/// <param name="Lag">The lag k.</param>
/// <param name="MeanCorrelation">Mean Pearson correlation of map[t] with map'[t + k].</param>
public sealed record TranslationRow(string Method, int Shift, int Lag, double MeanCorrelation);

/// <summary>
/// Translation check (CSDA paper, check 2): every series is shifted right by s steps with edge padding
/// (x'[t] = x[max(t − s, 0)]: the first value is repeated, the last s values drop out), and the |maps| per latent dimension
/// of the original and the shifted series are cross-correlated. At lag k the Pearson correlation of map[t] with
/// map'[t + k] is taken over the overlap (0 ≤ t, t + k &lt; L) per sample and dimension, averaged over those (constant maps
/// skipped); the recovered lag is the argmax, which must equal s. An encoder whose convolutions are translation-equivariant
/// and whose latent head is linear (the CVAE: 'same' convs, average pooling, linear z_loc, so the GradCAM channel weights
/// do not depend on the input) shifts its GradCAM maps exactly, except within a receptive field of the edges. Several methods
/// run side by side on the same shifted series; their chart is then each method's curve at the largest shift.
/// </summary>
public sealed class TranslationCheck : LatentPerturbationCheck
{
    /// <summary>The shifts s in steps.</summary>
    public IReadOnlyList<int> Shifts { get; init; } = [1, 2, 3, 5, 8];

    /// <summary>How many samples (seeded choice) are explained; all when the data hold fewer.</summary>
    public int SampleCount { get; init; } = 256;

    /// <inheritdoc/>
    public override string Name => "translation";

    /// <inheritdoc/>
    public override string Description =>
        "Fraction of time shifts s (edge padding) for which the lag maximising the mean cross-correlation between the maps " +
        "of the original and the shifted series equals s.";

    /// <inheritdoc/>
    public override MetricDirection Direction => MetricDirection.Higher;

    /// <inheritdoc/>
    public override bool ComparesMethods => true;

    /// <summary>x (N, C, L) shifted right by <paramref name="shift"/> steps with edge padding.</summary>
    public static Tensor ShiftRight(Tensor x, int shift)
    {
        ArgumentNullException.ThrowIfNull(x);
        long length = x.shape[2];
        using var source = (arange(length, device: x.device) - shift).clamp_min(0);
        return x.index_select(2, source);
    }

    /// <summary>
    /// Mean Pearson correlation of a[t] with b[t + k] for each lag k in −<paramref name="maxLag"/>..<paramref name="maxLag"/>,
    /// over the overlap, per sample and dimension of the (N, L, D) maps, averaged over those with non-constant overlaps.
    /// </summary>
    public static double[] CrossCorrelation(Tensor a, Tensor b, int maxLag)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        long length = a.shape[1];
        var result = new double[2 * maxLag + 1];
        for (int k = -maxLag; k <= maxLag; k++)
        {
            using var scope = NewDisposeScope();
            long start = Math.Max(0, -k), count = length - Math.Abs(k);
            var first = a.narrow(1, start, count).to(ScalarType.Float64);
            var second = b.narrow(1, start + k, count).to(ScalarType.Float64);
            first = first - first.mean(new long[] { 1 }, keepdim: true);
            second = second - second.mean(new long[] { 1 }, keepdim: true);
            var covariance = (first * second).sum(1);
            var scale = (first.square().sum(1) * second.square().sum(1)).sqrt();
            var valid = scale.gt(1e-12 * scale.max().clamp_min(1e-300));
            result[k + maxLag] = valid.any().item<bool>()
                ? (covariance.masked_select(valid) / scale.masked_select(valid)).mean().item<double>()
                : double.NaN;
        }
        return result;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One method: the summary gives each shift's recovered lag and peak, and the chart one curve per shift. Several: the summary
    /// gives each method's recovered fraction and lags (keys prefixed by the method), and the chart one curve per method at the
    /// largest shift, which should peak at that shift.
    /// </remarks>
    protected override SanityCheckResult Execute(SanityCheckInputs inputs, IReadOnlyList<SaliencyMethod> methods)
    {
        var x = inputs.Data.X;
        if (x.shape[0] > SampleCount)
            x = x.index_select(0, randperm(x.shape[0], generator: new Generator((ulong)inputs.Seed)).narrow(0, 0, SampleCount).sort().Values);
        long n = x.shape[0];
        int maxLag = Shifts.Max() + 5;
        if (maxLag >= x.shape[2]) throw new ArgumentException($"shifts up to {Shifts.Max()} need series longer than {maxLag} steps.");
        int largest = Enumerable.Range(0, Shifts.Count).MaxBy(i => Shifts[i]);
        bool single = methods.Count == 1;

        var batch = cat(new[] { x }.Concat(Shifts.Select(s => ShiftRight(x, s))).ToArray(), 0);
        var lags = Enumerable.Range(-maxLag, 2 * maxLag + 1).Select(k => (double)k).ToArray();
        var rows = new List<TranslationRow>();
        var summary = new Dictionary<string, object>();
        var series = new List<CurveSeries>();
        var recoveringAll = new List<string>();
        foreach (var method in methods)
        {
            using var maps = method.Maps(inputs.Model, batch, inputs.Device, inputs.BatchSize, inputs.Settings);
            var original = maps.Absolute.narrow(0, 0, n);
            string key = single ? "" : method.Name + ".";
            var recoveredLags = new int[Shifts.Count];
            for (int i = 0; i < Shifts.Count; i++)
            {
                var correlation = CrossCorrelation(original, maps.Absolute.narrow(0, (i + 1) * n, n), maxLag);
                int best = Enumerable.Range(0, correlation.Length).Where(j => !double.IsNaN(correlation[j])).MaxBy(j => correlation[j]) - maxLag;
                for (int j = 0; j < correlation.Length; j++) rows.Add(new TranslationRow(method.Name, Shifts[i], j - maxLag, correlation[j]));
                recoveredLags[i] = best;
                if (single)
                {
                    summary[$"shift_{Shifts[i]}.recovered_lag"] = best;
                    summary[$"shift_{Shifts[i]}.peak_correlation"] = correlation[best + maxLag];
                    series.Add(new CurveSeries($"shift {Shifts[i]}", correlation));
                }
                else if (i == largest) series.Add(new CurveSeries(method.Name, correlation));
            }
            int recovered = Enumerable.Range(0, Shifts.Count).Count(i => recoveredLags[i] == Shifts[i]);
            summary[key + "recovered_fraction"] = (double)recovered / Shifts.Count;
            if (single) summary["all_recovered"] = recovered == Shifts.Count;
            else summary[key + "recovered_lags"] = string.Join(", ", recoveredLags);
            if (recovered == Shifts.Count) recoveringAll.Add(method.Name);
        }
        if (!single) summary["methods_recovering_every_shift"] = recoveringAll;

        var chart = single
            ? new SanityCurve("Cross-correlation of original and shifted maps", "lag (steps)", "mean Pearson correlation", lags, series)
            : new SanityCurve($"Cross-correlation of original and {Shifts[largest]}-step-shifted maps, per method", "lag (steps)",
                "mean Pearson correlation", lags, series);
        return Result(inputs, methods, SanityTable.From(rows), summary, chart);
    }
}
