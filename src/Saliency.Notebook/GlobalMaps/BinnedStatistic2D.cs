namespace Saliency.Notebook.GlobalMaps;

/// <summary>
/// The 'mean' statistic of <c>scipy.stats.binned_statistic_2d</c>, written by hand because no maintained .NET package
/// reproduces scipy's semantics: edges = linspace(lo, hi, n+1) (a zero-width range is widened by ±0.5), bins are
/// half-open [e_i, e_{i+1}) except the last, which also takes values equal to hi (scipy's rounded right-edge rule);
/// points outside the ranges or NaN are dropped; empty bins are NaN.
/// </summary>
public static class BinnedStatistic2D
{
    /// <summary>The n+1 edges numpy's linspace(lo, hi, n+1) gives (after scipy's widening of a zero-width range).</summary>
    public static double[] Edges(double lo, double hi, int bins)
    {
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "At least one bin is needed.");
        if (!(hi >= lo)) throw new ArgumentException($"The range [{lo}, {hi}] is empty or not finite.");
        if (lo == hi) { lo -= 0.5; hi += 0.5; }
        var edges = new double[bins + 1];
        double step = (hi - lo) / bins;
        for (int i = 0; i < bins; i++) edges[i] = lo + i * step;
        edges[bins] = hi;
        return edges;
    }

    /// <summary>
    /// The bin (0..n−1) of <paramref name="value"/> for <paramref name="edges"/>, or −1 when it falls outside: numpy's
    /// digitize, then scipy's rule that a value ≥ hi that rounds to hi (at int(−log10(min width)) + 6 decimals) goes in the last bin.
    /// </summary>
    public static int BinIndex(double value, double[] edges)
    {
        if (double.IsNaN(value)) return -1;
        int bins = edges.Length - 1;
        double last = edges[bins];
        if (value >= last)
        {
            double minWidth = double.MaxValue;
            for (int i = 0; i < bins; i++) minWidth = Math.Min(minWidth, edges[i + 1] - edges[i]);
            int decimals = (int)(-Math.Log10(minWidth)) + 6;
            return RoundLikeNumpy(value, decimals) == RoundLikeNumpy(last, decimals) ? bins - 1 : -1;
        }
        if (value < edges[0]) return -1;
        // digitize (right=False): the i with edges[i] <= value < edges[i+1].
        int low = 0, high = bins;
        while (high - low > 1)
        {
            int mid = (low + high) / 2;
            if (edges[mid] <= value) low = mid; else high = mid;
        }
        return low;
    }

    /// <summary>
    /// Mean of <paramref name="values"/> per (x bin, y bin), indexed [x bin, y bin]; NaN where a bin is empty.
    /// </summary>
    public static double[,] Mean(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> values,
        int binsX, int binsY, (double Lo, double Hi) rangeX, (double Lo, double Hi) rangeY)
    {
        if (x.Length != y.Length || x.Length != values.Length)
            throw new ArgumentException($"x, y and values must have the same length ({x.Length}, {y.Length}, {values.Length}).");
        var edgesX = Edges(rangeX.Lo, rangeX.Hi, binsX);
        var edgesY = Edges(rangeY.Lo, rangeY.Hi, binsY);
        var sums = new double[binsX, binsY];
        var counts = new long[binsX, binsY];
        for (int p = 0; p < x.Length; p++)
        {
            int i = BinIndex(x[p], edgesX), j = BinIndex(y[p], edgesY);
            if (i < 0 || j < 0) continue;
            sums[i, j] += values[p];
            counts[i, j]++;
        }
        var mean = new double[binsX, binsY];
        for (int i = 0; i < binsX; i++)
            for (int j = 0; j < binsY; j++)
                mean[i, j] = counts[i, j] == 0 ? double.NaN : sums[i, j] / counts[i, j];
        return mean;
    }

    /// <summary>numpy.around: half to even after scaling by 10^decimals (negative decimals scale the other way).</summary>
    private static double RoundLikeNumpy(double value, int decimals)
    {
        if (decimals >= 0)
        {
            double scale = Math.Pow(10, decimals);
            return Math.Round(value * scale, MidpointRounding.ToEven) / scale;
        }
        double factor = Math.Pow(10, -decimals);
        return Math.Round(value / factor, MidpointRounding.ToEven) * factor;
    }
}
