using Saliency.Notebook.Data.Datasets;
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

    /// <summary>The distinct labels in <see cref="LabelOrder"/> (numeric when every label is an integer, else ordinal).</summary>
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
/// The data in memory is one chunk of <see cref="GlobalMapAccumulator"/>, so the streaming maps and these are one implementation.
/// </summary>
public static class GlobalSaliencyMaps
{
    /// <summary>
    /// Time-series maps: x = time index t (bins [0, L), one per step), y = channel-0 value (<paramref name="gridSize"/>
    /// bins over [min, max] of ALL positions passed, every channel, as the original nanmin/nanmax), weight |projection|.
    /// Normalised = (h − min) / max(1e−8, max − min) per label and component. positions (N, L, C), projections (N, L, K).
    /// </summary>
    public static GlobalSaliencyMap TimeSeries(Tensor positions, Tensor projections, IReadOnlyList<string> labels, int gridSize = 200, double sigma = 5) =>
        Accumulate(positions, projections, labels, timeSeries: true, gridSize, sigma).ToMaps();

    public static GlobalSaliencyMap Trajectories(Tensor positions, Tensor projections, IReadOnlyList<string> labels, int gridSize = 200, double sigma = 5) =>
        Accumulate(positions, projections, labels, timeSeries: false, gridSize, sigma).ToMaps();

    /// <summary>
    /// The accumulator of <see cref="TimeSeries"/> or <see cref="Trajectories"/> with every point of the data binned (ranges from the data's
    /// finite values), before its maps are finished: what the notebook's step 5 times in two parts.
    /// </summary>
    public static GlobalMapAccumulator Accumulate(Tensor positions, Tensor projections, IReadOnlyList<string> labels, bool timeSeries, int gridSize, double sigma)
    {
        var (distinct, index) = Prepare(positions, projections, labels, minChannels: timeSeries ? 1 : 2);
        int components = (int)projections.shape[2], length = (int)positions.shape[1];
        var accumulator = timeSeries
            ? GlobalMapAccumulator.TimeSeries(distinct, components, length, FiniteRange(positions, null), gridSize, sigma)
            : GlobalMapAccumulator.Trajectories(distinct, components, length, FiniteRange(positions, 0), FiniteRange(positions, 1), gridSize, sigma);
        accumulator.Add(positions, projections, index);
        return accumulator;
    }

    private static (string[] Distinct, int[] Index) Prepare(Tensor positions, Tensor projections, IReadOnlyList<string> labels, int minChannels)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(projections);
        ArgumentNullException.ThrowIfNull(labels);
        if (positions.dim() != 3) throw new ArgumentException($"positions must be (N, L, C); got shape [{string.Join(", ", positions.shape)}].", nameof(positions));
        if (projections.dim() != 3) throw new ArgumentException($"projections must be (N, L, K); got shape [{string.Join(", ", projections.shape)}].", nameof(projections));
        long n = positions.shape[0], channels = positions.shape[2];
        if (channels < minChannels) throw new ArgumentException($"positions need at least {minChannels} channel(s); got {channels}.", nameof(positions));
        if (projections.shape[0] != n || projections.shape[1] != positions.shape[1])
            throw new ArgumentException($"projections [{string.Join(", ", projections.shape)}] do not match positions [{string.Join(", ", positions.shape)}] in N and L.", nameof(projections));
        if (labels.Count != n) throw new ArgumentException($"There are {labels.Count} labels for {n} samples.", nameof(labels));
        var distinct = LabelOrder.Distinct(labels);
        var lookup = distinct.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i, StringComparer.Ordinal);
        return (distinct, labels.Select(l => lookup[l]).ToArray());
    }

    /// <summary>Min and max of the non-NaN positions of one channel, or of all channels (the original's nanmin/nanmax).</summary>
    private static (double Min, double Max) FiniteRange(Tensor positions, int? channel)
    {
        using var scope = torch.NewDisposeScope();
        var values = (channel is int c ? positions.select(2, c) : positions).detach().to(ScalarType.Float64);
        var kept = values.masked_select(values.isnan().logical_not());
        if (kept.numel() == 0) throw new ArgumentException("The positions hold no finite values.");
        return (kept.min().item<double>(), kept.max().item<double>());
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
