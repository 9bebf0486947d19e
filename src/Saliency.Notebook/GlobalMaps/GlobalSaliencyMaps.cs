using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.GlobalMaps;

/// <summary>How per-label maps are combined into one map per component.</summary>
public enum LabelCombination
{
    /// <summary>Pixel-wise sum (the paper's time-series figures).</summary>
    Sum,
    /// <summary>Pixel-wise maximum (np.maximum; the paper's trajectory figures).</summary>
    Max,
}

/// <summary>
/// Binned, smoothed saliency maps per label and PCA component (paper §3.2 step 3), indexed
/// [label, component, bin along the first axis, bin along the second axis], before (<see cref="Raw"/>) and after
/// (<see cref="Normalised"/>) normalisation. Time series: first axis = time bin, second = value bin of channel 0;
/// trajectories: first axis = channel-0 bin, second = channel-1 bin.
/// </summary>
public sealed class GlobalSaliencyMap
{
    internal GlobalSaliencyMap(IReadOnlyList<string> labels, int componentCount, double[,,,] raw, double[,,,] normalised, double[] firstEdges, double[] secondEdges)
    {
        Labels = labels;
        ComponentCount = componentCount;
        Raw = raw;
        Normalised = normalised;
        FirstAxisEdges = firstEdges;
        SecondAxisEdges = secondEdges;
    }

    /// <summary>The distinct labels, sorted ordinally (as numpy.unique does).</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>K, the number of components.</summary>
    public int ComponentCount { get; }

    /// <summary>Binned mean |projection|, empty bins 0, Gaussian-filtered: [label, component, bin1, bin2].</summary>
    public double[,,,] Raw { get; }

    /// <summary><see cref="Raw"/> after the variant's normalisation: [label, component, bin1, bin2].</summary>
    public double[,,,] Normalised { get; }

    /// <summary>Bin edges along the first axis (time, or channel 0).</summary>
    public double[] FirstAxisEdges { get; }

    /// <summary>Bin edges along the second axis (channel-0 value, or channel 1).</summary>
    public double[] SecondAxisEdges { get; }

    /// <summary>The (bin1, bin2) map of one label and component.</summary>
    public double[,] Map(string label, int component, bool normalised = true)
    {
        int l = Labels.ToList().IndexOf(label);
        if (l < 0) throw new ArgumentException($"Unknown label '{label}'; labels are: {string.Join(", ", Labels)}.", nameof(label));
        return Slice(normalised ? Normalised : Raw, l, component);
    }

    /// <summary>One map per component combined over labels by <paramref name="combination"/>.</summary>
    public double[,] Combine(int component, LabelCombination combination, bool normalised = true)
    {
        var source = normalised ? Normalised : Raw;
        var result = Slice(source, 0, component);
        for (int l = 1; l < Labels.Count; l++)
        {
            var next = Slice(source, l, component);
            for (int i = 0; i < result.GetLength(0); i++)
                for (int j = 0; j < result.GetLength(1); j++)
                    result[i, j] = combination == LabelCombination.Sum ? result[i, j] + next[i, j] : Math.Max(result[i, j], next[i, j]);
        }
        return result;
    }

    /// <summary>Every component's map combined over labels by <paramref name="combination"/>, (K, G1, G2).</summary>
    public double[,,] CombineAll(LabelCombination combination, bool normalised = true)
    {
        var source = normalised ? Normalised : Raw;
        var combined = new double[ComponentCount, source.GetLength(2), source.GetLength(3)];
        for (int k = 0; k < ComponentCount; k++)
        {
            double[,] map = Combine(k, combination, normalised);
            for (int i = 0; i < map.GetLength(0); i++)
                for (int j = 0; j < map.GetLength(1); j++)
                    combined[k, i, j] = map[i, j];
        }
        return combined;
    }

    /// <summary>Min and max of one component's maps over all labels (shared colour scale across a figure row).</summary>
    public (double Min, double Max) ComponentRange(int component, bool normalised = true)
    {
        var source = normalised ? Normalised : Raw;
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int l = 0; l < Labels.Count; l++)
            for (int i = 0; i < source.GetLength(2); i++)
                for (int j = 0; j < source.GetLength(3); j++)
                {
                    min = Math.Min(min, source[l, component, i, j]);
                    max = Math.Max(max, source[l, component, i, j]);
                }
        return (min, max);
    }

    private double[,] Slice(double[,,,] source, int label, int component)
    {
        if (component < 0 || component >= ComponentCount)
            throw new ArgumentOutOfRangeException(nameof(component), component, $"There are {ComponentCount} components.");
        var map = new double[source.GetLength(2), source.GetLength(3)];
        for (int i = 0; i < map.GetLength(0); i++)
            for (int j = 0; j < map.GetLength(1); j++)
                map[i, j] = source[label, component, i, j];
        return map;
    }
}

/// <summary>
/// The paper's global aggregation (§3.2 step 3): for each label and PCA component, the mean of |projected GradCAM|
/// binned on a 2-D grid (scipy binned_statistic_2d semantics), empty bins set to 0, Gaussian-filtered (scipy
/// gaussian_filter semantics), then normalised. Two variants, as in the original code: time series and trajectories.
/// </summary>
public static class GlobalSaliencyMaps
{
    /// <summary>
    /// Time-series maps: x = time index t (bins [0, L), one per step), y = channel-0 value (<paramref name="gridSize"/>
    /// bins over [min, max] of ALL positions passed, every channel, as the original nanmin/nanmax), weight |projection|.
    /// Normalised = (h − min) / max(1e−8, max − min) per label and component. positions (N, L, C), projections (N, L, K).
    /// </summary>
    public static GlobalSaliencyMap TimeSeries(Tensor positions, Tensor projections, IReadOnlyList<string> labels, int gridSize = 200, double sigma = 5)
    {
        var (pos, proj, n, length, channels, components) = Prepare(positions, projections, labels, minChannels: 1);
        var (vmin, vmax) = FiniteRange(pos, _ => true);
        var firstEdges = BinnedStatistic2D.Edges(0, length, length);
        var secondEdges = BinnedStatistic2D.Edges(vmin, vmax, gridSize);
        return Build(labels, n, length, components, length, gridSize, sigma, firstEdges, secondEdges,
            (sample, t) => (t, pos[(sample * length + t) * channels]),
            (0, length), (vmin, vmax), proj,
            map => MinMaxNormalise(map));
    }

    /// <summary>
    /// Trajectory maps: x = channel 0, y = channel 1, <paramref name="gridSize"/> × <paramref name="gridSize"/> bins over the
    /// ranges of all samples passed, weight |projection|; normalised = h / max when max &gt; 0 (the min is not subtracted).
    /// positions (N, L, C ≥ 2), projections (N, L, K).
    /// </summary>
    public static GlobalSaliencyMap Trajectories(Tensor positions, Tensor projections, IReadOnlyList<string> labels, int gridSize = 200, double sigma = 5)
    {
        var (pos, proj, n, length, channels, components) = Prepare(positions, projections, labels, minChannels: 2);
        var (xmin, xmax) = FiniteRange(pos, i => i % channels == 0);
        var (ymin, ymax) = FiniteRange(pos, i => i % channels == 1);
        var firstEdges = BinnedStatistic2D.Edges(xmin, xmax, gridSize);
        var secondEdges = BinnedStatistic2D.Edges(ymin, ymax, gridSize);
        return Build(labels, n, length, components, gridSize, gridSize, sigma, firstEdges, secondEdges,
            (sample, t) => (pos[(sample * length + t) * channels], pos[(sample * length + t) * channels + 1]),
            (xmin, xmax), (ymin, ymax), proj,
            map => MaxNormalise(map));
    }

    private static GlobalSaliencyMap Build(IReadOnlyList<string> labels, int n, int length, int components, int bins1, int bins2, double sigma,
        double[] firstEdges, double[] secondEdges, Func<int, int, (double, double)> point, (double, double) range1, (double, double) range2,
        double[] proj, Func<double[,], double[,]> normalise)
    {
        var distinct = labels.Distinct().OrderBy(l => l, StringComparer.Ordinal).ToArray();
        var raw = new double[distinct.Length, components, bins1, bins2];
        var normalised = new double[distinct.Length, components, bins1, bins2];
        for (int l = 0; l < distinct.Length; l++)
        {
            var members = Enumerable.Range(0, n).Where(i => labels[i] == distinct[l]).ToArray();
            var xs = new double[members.Length * length];
            var ys = new double[members.Length * length];
            int p = 0;
            foreach (int sample in members)
                for (int t = 0; t < length; t++, p++) (xs[p], ys[p]) = point(sample, t);
            for (int c = 0; c < components; c++)
            {
                var weights = new double[xs.Length];
                p = 0;
                foreach (int sample in members)
                    for (int t = 0; t < length; t++, p++) weights[p] = Math.Abs(proj[(sample * length + t) * components + c]);
                var binned = BinnedStatistic2D.Mean(xs, ys, weights, bins1, bins2, range1, range2);
                for (int i = 0; i < bins1; i++)
                    for (int j = 0; j < bins2; j++)
                        if (double.IsNaN(binned[i, j])) binned[i, j] = 0;
                var smoothed = GaussianFilter.Apply(binned, sigma);
                var scaled = normalise(smoothed);
                for (int i = 0; i < bins1; i++)
                    for (int j = 0; j < bins2; j++)
                    {
                        raw[l, c, i, j] = smoothed[i, j];
                        normalised[l, c, i, j] = scaled[i, j];
                    }
            }
        }
        return new GlobalSaliencyMap(distinct, components, raw, normalised, firstEdges, secondEdges);
    }

    private static (double[] Positions, double[] Projections, int N, int L, int C, int K) Prepare(Tensor positions, Tensor projections, IReadOnlyList<string> labels, int minChannels)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(projections);
        ArgumentNullException.ThrowIfNull(labels);
        if (positions.dim() != 3) throw new ArgumentException($"positions must be (N, L, C); got shape [{string.Join(", ", positions.shape)}].", nameof(positions));
        if (projections.dim() != 3) throw new ArgumentException($"projections must be (N, L, K); got shape [{string.Join(", ", projections.shape)}].", nameof(projections));
        int n = (int)positions.shape[0], length = (int)positions.shape[1], channels = (int)positions.shape[2];
        if (channels < minChannels) throw new ArgumentException($"positions need at least {minChannels} channel(s); got {channels}.", nameof(positions));
        if (projections.shape[0] != n || projections.shape[1] != length)
            throw new ArgumentException($"projections [{string.Join(", ", projections.shape)}] do not match positions [{string.Join(", ", positions.shape)}] in N and L.", nameof(projections));
        if (labels.Count != n) throw new ArgumentException($"There are {labels.Count} labels for {n} samples.", nameof(labels));
        using var pos = positions.detach().to(ScalarType.Float64).cpu().contiguous();
        using var proj = projections.detach().to(ScalarType.Float64).cpu().contiguous();
        return (pos.data<double>().ToArray(), proj.data<double>().ToArray(), n, length, channels, (int)projections.shape[2]);
    }

    private static (double Min, double Max) FiniteRange(double[] values, Func<int, bool> include)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int i = 0; i < values.Length; i++)
        {
            if (!include(i) || double.IsNaN(values[i])) continue;
            min = Math.Min(min, values[i]);
            max = Math.Max(max, values[i]);
        }
        if (double.IsInfinity(min)) throw new ArgumentException("The positions hold no finite values.");
        return (min, max);
    }

    internal static double[,] MinMaxNormalise(double[,] map)
    {
        double min = map.Cast<double>().Min(), max = map.Cast<double>().Max();
        double span = Math.Max(1e-8, max - min);
        var result = new double[map.GetLength(0), map.GetLength(1)];
        for (int i = 0; i < map.GetLength(0); i++)
            for (int j = 0; j < map.GetLength(1); j++) result[i, j] = (map[i, j] - min) / span;
        return result;
    }

    internal static double[,] MaxNormalise(double[,] map)
    {
        double max = map.Cast<double>().Max();
        var result = (double[,])map.Clone();
        if (max > 0)
            for (int i = 0; i < map.GetLength(0); i++)
                for (int j = 0; j < map.GetLength(1); j++) result[i, j] /= max;
        return result;
    }
}
