namespace Saliency.Notebook.Evaluation;

/// <summary>
/// One number of an evaluation table with its uncertainty: the estimate on all samples, and the standard deviation and the 2.5 and
/// 97.5 percentiles (NumPy's linear percentile) of the same statistic over bootstrap resamples of the samples.
/// </summary>
/// <param name="Value">The estimate on all samples.</param>
/// <param name="Std">Bootstrap standard deviation (NaN without resamples).</param>
/// <param name="Low">2.5th bootstrap percentile.</param>
/// <param name="High">97.5th bootstrap percentile.</param>
public readonly record struct MetricEstimate(double Value, double Std, double Low, double High)
{
    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"{Value:F3} [{Low:F3}, {High:F3}]");
}

/// <summary>
/// The bootstrap over samples (Efron): the statistic on all samples, then on <c>resamples</c> draws of N samples with replacement,
/// each given as integer weights (how often each sample was drawn), from a seeded generator so a table repeats exactly.
/// </summary>
public static class Bootstrap
{
    /// <summary>
    /// <paramref name="statistic"/> of the weights (all 1 for the estimate) and its spread over <paramref name="resamples"/> bootstrap
    /// weightings of <paramref name="samples"/> samples, drawn from <paramref name="seed"/>. Resamples whose statistic is NaN are left
    /// out of the spread (NumPy's nanstd and nanpercentile).
    /// </summary>
    public static MetricEstimate Estimate(int samples, Func<double[], double> statistic, int resamples, int seed)
    {
        ArgumentNullException.ThrowIfNull(statistic);
        return EstimateMany(samples, w => [statistic(w)], resamples, seed)[0];
    }

    /// <summary>
    /// Several statistics computed together from the same weights (one pass where they share work, e.g. the three white-box scores),
    /// each with its spread as <see cref="Estimate"/> gives it.
    /// </summary>
    public static MetricEstimate[] EstimateMany(int samples, Func<double[], double[]> statistics, int resamples, int seed)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "The bootstrap needs at least one sample.");
        if (resamples < 0) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "The number of resamples cannot be negative.");
        double[] values = statistics(Enumerable.Repeat(1.0, samples).ToArray());
        var random = new Random(seed);
        var spreads = values.Select(_ => new List<double>(resamples)).ToArray();
        var weights = new double[samples];
        for (int r = 0; r < resamples; r++)
        {
            Array.Clear(weights);
            for (int i = 0; i < samples; i++) weights[random.Next(samples)]++;
            double[] resampled = statistics(weights);
            for (int k = 0; k < values.Length; k++)
                if (!double.IsNaN(resampled[k])) spreads[k].Add(resampled[k]);
        }
        return values.Select((value, k) => Summarise(value, spreads[k])).ToArray();
    }

    private static MetricEstimate Summarise(double value, List<double> spread)
    {
        if (spread.Count == 0) return new MetricEstimate(value, double.NaN, double.NaN, double.NaN);
        double mean = spread.Average();
        double std = Math.Sqrt(spread.Sum(s => (s - mean) * (s - mean)) / spread.Count);
        spread.Sort();
        return new MetricEstimate(value, std, Percentile(spread, 2.5), Percentile(spread, 97.5));
    }

    /// <summary>numpy.percentile of sorted values with the default 'linear' method.</summary>
    private static double Percentile(List<double> sorted, double percentile)
    {
        double h = (sorted.Count - 1) * percentile / 100;
        int below = (int)Math.Floor(h);
        int above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (h - below);
    }

    /// <summary>The weighted mean of per-sample values, NaN values left out (a sample whose metric is undefined does not count).</summary>
    public static double WeightedMean(double[] values, double[] weights)
    {
        double sum = 0, total = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (double.IsNaN(values[i]) || weights[i] == 0) continue;
            sum += weights[i] * values[i];
            total += weights[i];
        }
        return total > 0 ? sum / total : double.NaN;
    }
}
