using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.GlobalMaps;

/// <summary>
/// The global maps of <see cref="GlobalSaliencyMaps"/> built chunk by chunk: per (label, component, bin) the sum of |projection| and
/// per (label, bin) the number of points, in memory that does not grow with N (labels × K × G1 × G2 sums). Binning is scipy's
/// binned_statistic_2d's (the same edges and right-edge rule as <see cref="BinnedStatistic2D"/>); <see cref="ToMaps"/> then takes
/// the mean, sets empty bins to 0, applies the Gaussian filter and normalises exactly as the in-memory maps do. Chunks may come in
/// any size; accumulators over disjoint shares of the data combine with <see cref="Merge"/>.
/// </summary>
public sealed class GlobalMapAccumulator
{
    private readonly bool _timeSeries;
    private readonly string[] _labels;
    private readonly int _components;
    private readonly int _length;
    private readonly double _sigma;
    private readonly BinLocator _first;
    private readonly BinLocator _second;
    private readonly double[] _sums;   // [label, component, bin1, bin2]
    private readonly long[] _counts;   // [label, bin1, bin2]

    private GlobalMapAccumulator(bool timeSeries, IReadOnlyList<string> labels, int components, int length, double sigma, double[] firstEdges, double[] secondEdges)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0) throw new ArgumentException("At least one label is needed.", nameof(labels));
        if (labels.Distinct().Count() != labels.Count) throw new ArgumentException("The labels must be distinct.", nameof(labels));
        if (components < 1) throw new ArgumentOutOfRangeException(nameof(components), components, "At least one component is needed.");
        _timeSeries = timeSeries;
        _labels = labels.ToArray();
        _components = components;
        _length = length;
        _sigma = sigma;
        _first = new BinLocator(firstEdges);
        _second = new BinLocator(secondEdges);
        _sums = new double[(long)_labels.Length * components * _first.Bins * _second.Bins];
        _counts = new long[(long)_labels.Length * _first.Bins * _second.Bins];
    }

    /// <summary>
    /// Time-series maps (<see cref="GlobalSaliencyMaps.TimeSeries"/>): time bins [0, L), one per step, and <paramref name="gridSize"/>
    /// value bins of channel 0 over <paramref name="valueRange"/>, which must be the min and max of all positions, every channel (as the
    /// original's nanmin/nanmax). <paramref name="labels"/> are the distinct labels in map order.
    /// </summary>
    public static GlobalMapAccumulator TimeSeries(IReadOnlyList<string> labels, int components, int length, (double Min, double Max) valueRange, int gridSize = 200, double sigma = 5) =>
        new(true, labels, components, length, sigma, BinnedStatistic2D.Edges(0, length, length), BinnedStatistic2D.Edges(valueRange.Min, valueRange.Max, gridSize));

    /// <summary>
    /// Trajectory maps (<see cref="GlobalSaliencyMaps.Trajectories"/>): <paramref name="gridSize"/> × <paramref name="gridSize"/> bins
    /// over the ranges of channel 0 and channel 1 over all samples. <paramref name="labels"/> are the distinct labels in map order.
    /// </summary>
    public static GlobalMapAccumulator Trajectories(IReadOnlyList<string> labels, int components, int length, (double Min, double Max) xRange, (double Min, double Max) yRange, int gridSize = 200, double sigma = 5) =>
        new(false, labels, components, length, sigma, BinnedStatistic2D.Edges(xRange.Min, xRange.Max, gridSize), BinnedStatistic2D.Edges(yRange.Min, yRange.Max, gridSize));

    /// <summary>The labels, in map order.</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Points added so far (samples × steps), in range or not.</summary>
    public long Points { get; private set; }

    /// <summary>
    /// Adds a chunk: positions (B, L, C) and projections (B, L, K) on any device (read as float64 on the CPU in blocks of at most
    /// 2²⁰ values, so a chunk of any size works), and for each sample the index of its label in <see cref="Labels"/>.
    /// </summary>
    public void Add(Tensor positions, Tensor projections, ReadOnlySpan<int> labelIndex)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(projections);
        if (positions.dim() != 3 || positions.shape[1] != _length)
            throw new ArgumentException($"positions must be (B, {_length}, C); got shape [{string.Join(", ", positions.shape)}].", nameof(positions));
        int channels = (int)positions.shape[2];
        if (channels < (_timeSeries ? 1 : 2)) throw new ArgumentException($"positions need at least {(_timeSeries ? 1 : 2)} channel(s); got {channels}.", nameof(positions));
        long samples = positions.shape[0];
        if (projections.dim() != 3 || projections.shape[0] != samples || projections.shape[1] != _length || projections.shape[2] != _components)
            throw new ArgumentException($"projections must be ({samples}, {_length}, {_components}); got shape [{string.Join(", ", projections.shape)}].", nameof(projections));
        if (labelIndex.Length != samples) throw new ArgumentException($"There are {labelIndex.Length} labels for {samples} samples.", nameof(labelIndex));
        long binsPerLabel = (long)_first.Bins * _second.Bins;
        long block = Math.Max(1, (1 << 20) / ((long)_length * Math.Max(channels, _components)));   // ≤ 8 MB of float64 per block
        for (long start = 0; start < samples; start += block)
        {
            long count = Math.Min(block, samples - start);
            using var scope = torch.NewDisposeScope();
            var pos = positions.narrow(0, start, count).detach().to(ScalarType.Float64).cpu().contiguous();
            var proj = projections.narrow(0, start, count).detach().to(ScalarType.Float64).cpu().contiguous();
            ReadOnlySpan<double> p = MemoryMarshal.Cast<byte, double>(pos.bytes), w = MemoryMarshal.Cast<byte, double>(proj.bytes);
            for (int b = 0; b < count; b++)
            {
                int label = labelIndex[(int)(start + b)];
                if ((uint)label >= (uint)_labels.Length) throw new ArgumentOutOfRangeException(nameof(labelIndex), label, $"Label index of sample {start + b} is outside 0..{_labels.Length - 1}.");
                for (int t = 0; t < _length; t++)
                {
                    int point = b * _length + t;
                    long bin = Bin(t, p, point * channels);
                    if (bin < 0) continue;
                    _counts[label * binsPerLabel + bin]++;
                    long first = (long)label * _components * binsPerLabel + bin;
                    for (int c = 0; c < _components; c++) _sums[first + c * binsPerLabel] += Math.Abs(w[point * _components + c]);
                }
            }
        }
        Points += samples * _length;
    }

    /// <summary>
    /// The flat bin (i · bins2 + j) of every point of <paramref name="positions"/> (B, L, C), −1 outside the ranges: the rule <see cref="Add"/>
    /// bins by, for a view that re-aggregates a selection of samples (the brushing tool's page).
    /// </summary>
    public int[][] PointBins(Tensor positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        if (positions.dim() != 3 || positions.shape[1] != _length || positions.shape[2] < (_timeSeries ? 1 : 2))
            throw new ArgumentException($"positions must be (B, {_length}, C) with C ≥ {(_timeSeries ? 1 : 2)}; got shape [{string.Join(", ", positions.shape)}].", nameof(positions));
        using var scope = torch.NewDisposeScope();
        int channels = (int)positions.shape[2];
        var host = positions.detach().to(ScalarType.Float64).cpu().contiguous();
        ReadOnlySpan<double> p = MemoryMarshal.Cast<byte, double>(host.bytes);
        var bins = new int[positions.shape[0]][];
        for (int b = 0; b < bins.Length; b++)
        {
            bins[b] = new int[_length];
            for (int t = 0; t < _length; t++) bins[b][t] = (int)Bin(t, p, (b * _length + t) * channels);
        }
        return bins;
    }

    /// <summary>Bins along the first axis (time steps for time series, x for trajectories).</summary>
    public int FirstBins => _first.Bins;

    /// <summary>Bins along the second axis (values for time series, y for trajectories).</summary>
    public int SecondBins => _second.Bins;

    /// <summary>The first axis's bin edges.</summary>
    public double[] FirstAxisEdges => _first.Edges;

    /// <summary>The second axis's bin edges.</summary>
    public double[] SecondAxisEdges => _second.Edges;

    /// <summary>The Gaussian filter's sigma, in bins.</summary>
    public double Sigma => _sigma;

    /// <summary>True for time-series maps (min-max scaled), false for trajectories (scaled by their maximum).</summary>
    public bool IsTimeSeries => _timeSeries;

    /// <summary>The flat bin of point t of a sample whose channels start at <paramref name="offset"/> in <paramref name="p"/>, −1 outside.</summary>
    private long Bin(int t, ReadOnlySpan<double> p, int offset)
    {
        int i = _timeSeries ? _first.Index(t) : _first.Index(p[offset]);
        int j = _second.Index(_timeSeries ? p[offset] : p[offset + 1]);
        return i < 0 || j < 0 ? -1 : (long)i * _second.Bins + j;
    }

    /// <summary>Adds another accumulator's sums and counts (the same labels, components, length and edges; disjoint data).</summary>
    public void Merge(GlobalMapAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._timeSeries != _timeSeries || !other._labels.SequenceEqual(_labels) || other._components != _components || other._length != _length
            || !other._first.Edges.SequenceEqual(_first.Edges) || !other._second.Edges.SequenceEqual(_second.Edges))
            throw new ArgumentException("Only accumulators with the same variant, labels, components, length and bin edges can be merged.", nameof(other));
        for (long i = 0; i < _sums.LongLength; i++) _sums[i] += other._sums[i];
        for (long i = 0; i < _counts.LongLength; i++) _counts[i] += other._counts[i];
        Points += other.Points;
    }

    /// <summary>
    /// A copy of the state: the sums of |projection| (labels, K, bins1, bins2), the point counts (labels, bins1, bins2) and
    /// <see cref="Points"/>, flat in C order: what a worker writes so that another process can <see cref="MergeState"/> it.
    /// </summary>
    public (double[] Sums, long[] Counts, long Points) ExportState() => ((double[])_sums.Clone(), (long[])_counts.Clone(), Points);

    /// <summary>
    /// Adds a state from <see cref="ExportState"/> of an accumulator with the same variant, labels, components, length and edges over
    /// disjoint data (the caller checks that; this checks the sizes): the same as <see cref="Merge"/> across processes.
    /// </summary>
    public void MergeState(ReadOnlySpan<double> sums, ReadOnlySpan<long> counts, long points)
    {
        if (sums.Length != _sums.Length || counts.Length != _counts.Length)
            throw new ArgumentException($"A state of {sums.Length} sums and {counts.Length} counts does not fit this accumulator's {_sums.Length} and {_counts.Length}.");
        if (points < 0) throw new ArgumentOutOfRangeException(nameof(points), points, "The number of points must be at least 0.");
        for (int i = 0; i < _sums.Length; i++) _sums[i] += sums[i];
        for (int i = 0; i < _counts.Length; i++) _counts[i] += counts[i];
        Points += points;
    }

    /// <summary>The maps: mean per bin (empty bins 0), Gaussian-filtered, normalised as the in-memory variant does.</summary>
    public GlobalSaliencyMap ToMaps()
    {
        int bins1 = _first.Bins, bins2 = _second.Bins;
        long binsPerLabel = (long)bins1 * bins2;
        var raw = new double[_labels.Length, _components, bins1, bins2];
        var normalised = new double[_labels.Length, _components, bins1, bins2];
        for (int l = 0; l < _labels.Length; l++)
            for (int c = 0; c < _components; c++)
            {
                var mean = new double[bins1, bins2];
                long first = ((long)l * _components + c) * binsPerLabel;
                for (int i = 0; i < bins1; i++)
                    for (int j = 0; j < bins2; j++)
                    {
                        long count = _counts[l * binsPerLabel + (long)i * bins2 + j];
                        mean[i, j] = count == 0 ? 0 : _sums[first + (long)i * bins2 + j] / count;
                    }
                var smoothed = GaussianFilter.Apply(mean, _sigma);
                var scaled = _timeSeries ? GlobalSaliencyMaps.MinMaxNormalise(smoothed) : GlobalSaliencyMaps.MaxNormalise(smoothed);
                for (int i = 0; i < bins1; i++)
                    for (int j = 0; j < bins2; j++)
                    {
                        raw[l, c, i, j] = smoothed[i, j];
                        normalised[l, c, i, j] = scaled[i, j];
                    }
            }
        return new GlobalSaliencyMap(_labels, _components, raw, normalised, _first.Edges, _second.Edges);
    }
}

/// <summary>
/// <see cref="BinnedStatistic2D.BinIndex"/> for evenly spaced edges without a binary search: a first guess from the step, corrected
/// against the edges themselves (so the result is digitize's), and scipy's rounded right-edge rule for values at or above the last edge.
/// </summary>
public sealed class BinLocator
{
    private readonly double _low;
    private readonly double _inverseStep;

    /// <summary>A locator for <paramref name="edges"/> (from <see cref="BinnedStatistic2D.Edges"/>).</summary>
    public BinLocator(double[] edges)
    {
        Edges = edges;
        Bins = edges.Length - 1;
        _low = edges[0];
        _inverseStep = Bins / (edges[^1] - edges[0]);
    }

    /// <summary>The n + 1 edges.</summary>
    public double[] Edges { get; }

    /// <summary>n, the number of bins.</summary>
    public int Bins { get; }

    /// <summary>The bin of <paramref name="value"/> (0..n−1), or −1 outside the range or for NaN: exactly <see cref="BinnedStatistic2D.BinIndex"/>.</summary>
    public int Index(double value)
    {
        if (!(value >= _low)) return -1;                                 // below the range, or NaN
        if (value >= Edges[Bins]) return BinnedStatistic2D.BinIndex(value, Edges);
        int i = (int)Math.Min(Bins - 1, (value - _low) * _inverseStep);
        while (i > 0 && Edges[i] > value) i--;
        while (i < Bins - 1 && Edges[i + 1] <= value) i++;
        return i;
    }
}
