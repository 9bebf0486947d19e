using Microsoft.Data.Analysis;
using Saliency.Notebook.Data.Npy;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Data.Datasets;

/// <summary>A loaded dataset: X as a float32 tensor (N, C, L) (the files' (N, L, C) with axes 1 and 2 swapped, no scaling),
/// the per-sample labels and the classes in numpy.unique order. Owns <see cref="X"/>; dispose it when done.</summary>
public sealed class TimeSeriesDataset : IDisposable
{
    private readonly ChannelStats[] _overall;
    private readonly ChannelStats[][] _perClass;
    private readonly long[] _classCounts;

    private TimeSeriesDataset(DatasetInfo info, Tensor x, string[] labels, string[] classNames, int[] labelIndex, ChannelStats[] overall, ChannelStats[][] perClass, long[] classCounts)
    {
        Info = info;
        X = x;
        Labels = labels;
        ClassNames = classNames;
        LabelIndex = labelIndex;
        _overall = overall;
        _perClass = perClass;
        _classCounts = classCounts;
    }

    /// <summary>The registry entry this was loaded from.</summary>
    public DatasetInfo Info { get; }

    /// <summary>The samples, float32 (N, C, L), on the CPU.</summary>
    public Tensor X { get; }

    /// <summary>The label of each sample (N).</summary>
    public string[] Labels { get; }

    /// <summary>The distinct labels in numpy.unique order (ordinal sort).</summary>
    public string[] ClassNames { get; }

    /// <summary>For each sample, the index of its label in <see cref="ClassNames"/>.</summary>
    public int[] LabelIndex { get; }

    /// <summary>Number of samples.</summary>
    public int N => (int)X.shape[0];

    /// <summary>Number of channels.</summary>
    public int C => (int)X.shape[1];

    /// <summary>Time steps per sample.</summary>
    public int L => (int)X.shape[2];

    /// <summary>Samples per class, in <see cref="ClassNames"/> order.</summary>
    public IReadOnlyList<long> ClassCounts => _classCounts;

    /// <summary>One row per class (count, and per channel mean/min/max over all its samples and time steps), then an "(all)" row.</summary>
    public DataFrame Summary()
    {
        var label = new StringDataFrameColumn("label", ClassNames.Append("(all)"));
        var count = new Int64DataFrameColumn("count", _classCounts.Append(_classCounts.Sum()));
        var columns = new List<DataFrameColumn> { label, count };
        for (int c = 0; c < C; c++)
        {
            IEnumerable<ChannelStats> rows = _perClass.Select(p => p[c]).Append(_overall[c]);
            string name = Info.ChannelNames.Count == C ? Info.ChannelNames[c] : $"ch{c}";
            columns.Add(new DoubleDataFrameColumn($"{name} mean", rows.Select(r => r.Mean)));
            columns.Add(new DoubleDataFrameColumn($"{name} min", rows.Select(r => r.Min)));
            columns.Add(new DoubleDataFrameColumn($"{name} max", rows.Select(r => r.Max)));
        }
        return new DataFrame(columns);
    }

    /// <summary>Overall (min, mean, max) of channel <paramref name="channel"/>.</summary>
    public (double Min, double Mean, double Max) ChannelRange(int channel) => (_overall[channel].Min, _overall[channel].Mean, _overall[channel].Max);

    public void Dispose() => X.Dispose();

    /// <summary>Reads positions and labels, checks them (finite values, 3-D shape, one label per sample) and builds the tensor.</summary>
    public static TimeSeriesDataset Load(DatasetInfo info, string dataDirectory)
    {
        string positionsPath = info.PositionsPath(dataDirectory);
        string labelsPath = info.LabelsPath(dataDirectory);
        foreach (string path in new[] { positionsPath, labelsPath })
        {
            if (!File.Exists(path))
                throw new FileNotFoundException($"{path} is missing; run `./saliency data fetch` to get the paper's data", path);
        }

        NpyArray positions = NpyReader.Read(positionsPath);
        if (positions.Rank != 3 || positions.DType.Kind is not (NpyKind.Float32 or NpyKind.Float64))
            throw new DatasetException(positionsPath, $"expected a float (N, L, C) array, got {positions.Descr} {positions.ShapeText}");
        int n = (int)positions.Shape[0], l = (int)positions.Shape[1], c = (int)positions.Shape[2];
        float[] values = positions.ToSingleArray();
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                long sample = i / ((long)l * c), step = i / c % l, channel = i % c;
                int bad = values.Count(v => !float.IsFinite(v));
                throw new DatasetException(positionsPath, $"{bad} non-finite value(s) (NaN or Inf as float32); the first is {values[i]} at sample {sample}, step {step}, channel {channel}");
            }
        }

        NpyArray labelArray = NpyReader.Read(labelsPath);
        if (labelArray.Rank != 1)
            throw new DatasetException(labelsPath, $"expected a 1-D label array, got shape {labelArray.ShapeText}");
        string[] labels;
        try
        {
            labels = labelArray.ToStringArray();
        }
        catch (InvalidOperationException e)
        {
            throw new DatasetException(labelsPath, $"labels are not strings or integers: {e.Message}", e);
        }
        if (labels.Length != n)
            throw new DatasetException(labelsPath, $"has {labels.Length} labels but {positionsPath} has {n} samples");

        string[] classNames = labels.Distinct().OrderBy(s => s, StringComparer.Ordinal).ToArray();
        var indexOf = classNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        int[] labelIndex = labels.Select(s => indexOf[s]).ToArray();

        var overall = Enumerable.Range(0, c).Select(_ => new ChannelStats()).ToArray();
        var perClass = classNames.Select(_ => Enumerable.Range(0, c).Select(_ => new ChannelStats()).ToArray()).ToArray();
        var counts = new long[classNames.Length];
        for (int s = 0; s < n; s++)
        {
            counts[labelIndex[s]]++;
            ChannelStats[] cls = perClass[labelIndex[s]];
            int offset = s * l * c;
            for (int t = 0; t < l; t++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    float v = values[offset + t * c + ch];
                    overall[ch].Add(v);
                    cls[ch].Add(v);
                }
            }
        }

        Tensor x;
        using (Tensor nlc = torch.tensor(values, [n, l, c], ScalarType.Float32))
        using (Tensor view = nlc.permute(0, 2, 1))
        {
            x = view.contiguous();
        }
        return new TimeSeriesDataset(info, x, labels, classNames, labelIndex, overall, perClass, counts);
    }

    /// <summary>Running count, sum, min and max of one channel.</summary>
    private sealed class ChannelStats
    {
        private long _count;
        private double _sum;

        public double Min { get; private set; } = double.PositiveInfinity;

        public double Max { get; private set; } = double.NegativeInfinity;

        public double Mean => _count == 0 ? double.NaN : _sum / _count;

        public void Add(float v)
        {
            _count++;
            _sum += v;
            if (v < Min) Min = v;
            if (v > Max) Max = v;
        }
    }
}

/// <summary>A dataset file whose content does not fit the dataset (non-finite values, wrong shape, label count ≠ samples).</summary>
public sealed class DatasetException : DataFormatException
{
    public DatasetException(string sourceName, string problem, Exception? inner = null) : base(sourceName, problem, inner)
    {
    }
}
