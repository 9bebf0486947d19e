namespace Saliency.Notebook.SanityChecks;

/// <summary>
/// The statistics the sanity checks report, each with the semantics of the Python function the literature uses
/// (numpy.percentile 'linear', scipy.stats.spearmanr with average ranks for ties, skimage's structural_similarity,
/// numpy.trapz), so numbers compare with published ones.
/// </summary>
public static class SanityStatistics
{
    /// <summary>
    /// numpy.percentile(values, p) with the default 'linear' method: sort, h = (n − 1)·p/100, interpolate between the
    /// neighbours of h. <paramref name="percentile"/> in [0, 100].
    /// </summary>
    public static double Percentile(IReadOnlyList<double> values, double percentile)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("The percentile of no values is undefined.", nameof(values));
        if (!(percentile >= 0 && percentile <= 100)) throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "Percentiles lie in [0, 100].");
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double h = (sorted.Length - 1) * percentile / 100.0;
        int below = (int)Math.Floor(h);
        int above = Math.Min(below + 1, sorted.Length - 1);
        double fraction = h - below;
        // numpy's _lerp: a + (b − a)·t, taken from the upper end when t ≥ 0.5 (exact at the ends).
        double difference = sorted[above] - sorted[below];
        return fraction >= 0.5 ? sorted[above] - difference * (1 - fraction) : sorted[below] + difference * fraction;
    }

    /// <summary>Ranks 1..n with ties given their average rank (scipy.stats.rankdata 'average').</summary>
    public static double[] AverageRanks(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = values.Count;
        var order = Enumerable.Range(0, n).ToArray();
        var keys = values.ToArray();
        Array.Sort(keys, order);
        var ranks = new double[n];
        for (int start = 0; start < n;)
        {
            int end = start;
            while (end + 1 < n && keys[end + 1] == keys[start]) end++;
            double rank = (start + end) / 2.0 + 1;
            for (int i = start; i <= end; i++) ranks[order[i]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    /// <summary>Pearson correlation; NaN when either side is constant (as scipy, which warns and returns nan).</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count) throw new ArgumentException($"Pearson needs equal lengths; got {x.Count} and {y.Count}.");
        if (x.Count < 2) return double.NaN;
        double meanX = x.Average(), meanY = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = x[i] - meanX, dy = y[i] - meanY;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? double.NaN : Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }

    /// <summary>Spearman rank correlation: Pearson of the average ranks (scipy.stats.spearmanr, ties averaged).</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y) => Pearson(AverageRanks(x), AverageRanks(y));

    /// <summary>Area under y(x) by the trapezoid rule (numpy.trapz).</summary>
    public static double Trapezoid(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"Trapezoid needs equal lengths; got {x.Count} and {y.Count}.");
        double area = 0;
        for (int i = 1; i < x.Count; i++) area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
        return area;
    }

    /// <summary>
    /// Structural similarity of two equally sized images (rows × columns) as skimage.metrics.structural_similarity with its
    /// defaults: a uniform <paramref name="window"/>×<paramref name="window"/> window (7), K1 = 0.01, K2 = 0.03, sample
    /// covariances (N/(N − 1)), local statistics by a 'reflect' uniform filter, and the mean of the SSIM map after cropping
    /// (window − 1)/2 pixels on every side. <paramref name="dataRange"/> is the value range L of C1 = (K1·L)², C2 = (K2·L)².
    /// The window shrinks to the largest odd size that fits an image side smaller than it.
    /// </summary>
    public static double Ssim(double[,] a, double[,] b, double dataRange, int window = 7)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int rows = a.GetLength(0), cols = a.GetLength(1);
        if (b.GetLength(0) != rows || b.GetLength(1) != cols)
            throw new ArgumentException($"SSIM needs images of one size; got {rows}×{cols} and {b.GetLength(0)}×{b.GetLength(1)}.");
        if (!(dataRange > 0)) throw new ArgumentOutOfRangeException(nameof(dataRange), dataRange, "The data range must be positive.");
        int side = Math.Min(window, Math.Min(rows, cols));
        if (side % 2 == 0) side--;
        if (side < 1) throw new ArgumentException("SSIM needs a non-empty image.");
        double c1 = Math.Pow(0.01 * dataRange, 2), c2 = Math.Pow(0.03 * dataRange, 2);
        int count = side * side;
        double covarianceNorm = count > 1 ? count / (count - 1.0) : 1.0;

        var product = new double[rows, cols];
        var squareA = new double[rows, cols];
        var squareB = new double[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                product[i, j] = a[i, j] * b[i, j];
                squareA[i, j] = a[i, j] * a[i, j];
                squareB[i, j] = b[i, j] * b[i, j];
            }
        var ux = UniformFilter(a, side);
        var uy = UniformFilter(b, side);
        var uxx = UniformFilter(squareA, side);
        var uyy = UniformFilter(squareB, side);
        var uxy = UniformFilter(product, side);

        int pad = (side - 1) / 2;
        double sum = 0;
        int cells = 0;
        for (int i = pad; i < rows - pad; i++)
            for (int j = pad; j < cols - pad; j++)
            {
                double vx = covarianceNorm * (uxx[i, j] - ux[i, j] * ux[i, j]);
                double vy = covarianceNorm * (uyy[i, j] - uy[i, j] * uy[i, j]);
                double vxy = covarianceNorm * (uxy[i, j] - ux[i, j] * uy[i, j]);
                double numerator = (2 * ux[i, j] * uy[i, j] + c1) * (2 * vxy + c2);
                double denominator = (ux[i, j] * ux[i, j] + uy[i, j] * uy[i, j] + c1) * (vx + vy + c2);
                sum += numerator / denominator;
                cells++;
            }
        return sum / cells;
    }

    /// <summary>scipy.ndimage.uniform_filter with mode 'reflect' (d c b a | a b c d | d c b a), separable over both axes.</summary>
    private static double[,] UniformFilter(double[,] image, int size)
    {
        int rows = image.GetLength(0), cols = image.GetLength(1), half = size / 2;
        var alongColumns = new double[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                double s = 0;
                for (int k = -half; k <= half; k++) s += image[i, Reflect(j + k, cols)];
                alongColumns[i, j] = s / size;
            }
        var result = new double[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                double s = 0;
                for (int k = -half; k <= half; k++) s += alongColumns[Reflect(i + k, rows), j];
                result[i, j] = s / size;
            }
        return result;
    }

    private static int Reflect(int index, int length)
    {
        int period = 2 * length;
        index %= period;
        if (index < 0) index += period;
        return index < length ? index : period - 1 - index;
    }
}
