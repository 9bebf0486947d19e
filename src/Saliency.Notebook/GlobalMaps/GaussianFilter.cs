namespace Saliency.Notebook.GlobalMaps;

/// <summary>
/// <c>scipy.ndimage.gaussian_filter</c> (order 0, mode 'reflect', truncate 4.0), written by hand because no maintained
/// .NET package reproduces scipy's semantics: per axis a 1-D kernel exp(−x²/2σ²) on x = −r..r with radius
/// r = int(truncate·σ + 0.5), normalised to sum 1, correlated along axis 0 then axis 1; 'reflect' extends a row
/// half-sample symmetrically (d c b a | a b c d | d c b a), repeating for radii longer than the row.
/// </summary>
public static class GaussianFilter
{
    /// <summary>scipy's default truncation, in standard deviations.</summary>
    public const double DefaultTruncate = 4.0;

    /// <summary>The normalised 1-D kernel (length 2r + 1) scipy uses for <paramref name="sigma"/>.</summary>
    public static double[] Kernel(double sigma, double truncate = DefaultTruncate)
    {
        if (!(sigma > 0)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "sigma must be positive.");
        int radius = (int)(truncate * sigma + 0.5);
        var kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) sum += kernel[i + radius] = Math.Exp(-0.5 / (sigma * sigma) * i * i);
        for (int i = 0; i < kernel.Length; i++) kernel[i] /= sum;
        return kernel;
    }

    /// <summary>The index that 'reflect' mode reads for position <paramref name="index"/> of a row of <paramref name="length"/>.</summary>
    public static int ReflectIndex(int index, int length)
    {
        int period = 2 * length;
        int m = ((index % period) + period) % period;
        return m < length ? m : period - 1 - m;
    }

    /// <summary>
    /// What <see cref="Apply"/> does along a line of <paramref name="length"/>, as data: the taps (empty when σ ≤ 1e-15, no filter) and,
    /// for output i and tap k, the position read, <c>Read[i · taps + k]</c> ('reflect' mode). For a view that filters a map itself.
    /// </summary>
    public static (double[] Taps, int[] Read) Plan(double sigma, int length, double truncate = DefaultTruncate)
    {
        if (sigma <= 1e-15) return ([], []);
        double[] taps = Kernel(sigma, truncate);
        int radius = taps.Length / 2;
        var read = new int[length * taps.Length];
        for (int i = 0; i < length; i++)
            for (int k = 0; k < taps.Length; k++) read[i * taps.Length + k] = ReflectIndex(i + k - radius, length);
        return (taps, read);
    }

    /// <summary>Filters a 2-D array with the same σ on both axes (σ ≤ 1e-15 leaves the array as is, like scipy).</summary>
    public static double[,] Apply(double[,] input, double sigma, double truncate = DefaultTruncate)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (sigma <= 1e-15) return (double[,])input.Clone();
        var kernel = Kernel(sigma, truncate);
        return FilterAxis(FilterAxis(input, kernel, axis: 0), kernel, axis: 1);
    }

    /// <summary>Correlates every line of <paramref name="input"/> along <paramref name="axis"/> with <paramref name="kernel"/> (reflect mode).</summary>
    public static double[,] FilterAxis(double[,] input, double[] kernel, int axis)
    {
        int rows = input.GetLength(0), cols = input.GetLength(1);
        int length = axis == 0 ? rows : cols, lines = axis == 0 ? cols : rows;
        int radius = kernel.Length / 2;
        var output = new double[rows, cols];
        var line = new double[length];
        for (int l = 0; l < lines; l++)
        {
            for (int i = 0; i < length; i++) line[i] = axis == 0 ? input[i, l] : input[l, i];
            for (int i = 0; i < length; i++)
            {
                double acc = 0;
                for (int k = -radius; k <= radius; k++) acc += kernel[k + radius] * line[ReflectIndex(i + k, length)];
                if (axis == 0) output[i, l] = acc; else output[l, i] = acc;
            }
        }
        return output;
    }
}
