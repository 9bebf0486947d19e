using System.Globalization;
using Microsoft.Data.Analysis;
using Saliency.Notebook.Data.Datasets.Readers;
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

    /// <summary>Its description: the registry entry it was loaded from, or what was given and inferred for data of your own.</summary>
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

    /// <summary>
    /// At most <paramref name="maxPerLabel"/> series of each label, evenly spaced in dataset order (so the augmentations of every
    /// original stay represented; the same choice as the sanity checks' <c>SanityData.Sample</c>), as a new dataset with the same
    /// description and classes, for a cell whose method would be slow on every series. A copy; the caller disposes it.
    /// </summary>
    public TimeSeriesDataset Sample(int maxPerLabel)
    {
        if (maxPerLabel < 1) throw new ArgumentOutOfRangeException(nameof(maxPerLabel), maxPerLabel, "At least one series per label is needed.");
        var rows = new List<long>();
        foreach (var group in Enumerable.Range(0, N).GroupBy(i => Labels[i]))
        {
            int[] members = group.ToArray();
            int kept = Math.Min(maxPerLabel, members.Length);
            rows.AddRange(Enumerable.Range(0, kept).Select(k => (long)members[(int)((long)k * members.Length / kept)]));
        }
        rows.Sort();
        float[] values;
        using (torch.NewDisposeScope())
            values = X.index_select(0, torch.tensor(rows.ToArray())).permute(0, 2, 1).contiguous().data<float>().ToArray();
        string[] labels = rows.Select(i => Labels[(int)i]).ToArray();
        return Create(values, rows.Count, L, C, labels, $"{Info.Name} (sample)", $"{Info.Name} labels (sample)", ClassNames, _ => Info);
    }

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
        SeriesArrays arrays = new NpyTimeSeriesReader().Read(positionsPath, new DataFileOptions());
        string[] labels = LabelsFile.Read(labelsPath);
        return Create(arrays.Values, arrays.Count, arrays.Length, arrays.Channels, labels, positionsPath, labelsPath, null, _ => info);
    }

    /// <summary>
    /// A dataset from values (N, L, C), the layout of the paper's files, and one label per series (strings or integers). Channel names,
    /// class names, the plot kind and the name can be given in <paramref name="description"/>; the rest is inferred as for files
    /// (<see cref="TimeSeriesFiles"/>). The values are copied; bad input (non-finite values, a label count that is not N, an empty
    /// label or class) is refused before anything is built.
    /// </summary>
    public static TimeSeriesDataset FromArrays<TLabel>(float[,,] values, IReadOnlyList<TLabel> labels, DatasetDescription? description = null) where TLabel : notnull
    {
        ArgumentNullException.ThrowIfNull(values);
        var flat = new float[values.Length];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(float));
        return FromFlat(flat, values.GetLength(0), values.GetLength(1), values.GetLength(2), labels, description);
    }

    /// <summary>As <see cref="FromArrays{TLabel}(float[,,], IReadOnlyList{TLabel}, DatasetDescription?)"/> for float64 values (stored as float32, as the kit computes).</summary>
    public static TimeSeriesDataset FromArrays<TLabel>(double[,,] values, IReadOnlyList<TLabel> labels, DatasetDescription? description = null) where TLabel : notnull
    {
        ArgumentNullException.ThrowIfNull(values);
        var flat = new float[values.Length];
        int i = 0;
        foreach (double v in values) flat[i++] = (float)v;
        return FromFlat(flat, values.GetLength(0), values.GetLength(1), values.GetLength(2), labels, description);
    }

    /// <summary>As <see cref="FromArrays{TLabel}(float[,,], IReadOnlyList{TLabel}, DatasetDescription?)"/> for a tensor (N, L, C) (any floating type, any device; copied to the CPU).</summary>
    public static TimeSeriesDataset FromTensor<TLabel>(Tensor values, IReadOnlyList<TLabel> labels, DatasetDescription? description = null) where TLabel : notnull
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.dim() != 3 || !values.is_floating_point())
            throw new ArgumentException($"values must be a floating (N, L, C) tensor; got {values.dtype} of shape [{string.Join(", ", values.shape)}].", nameof(values));
        float[] flat;
        using (torch.NewDisposeScope()) flat = values.detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
        return FromFlat(flat, (int)values.shape[0], (int)values.shape[1], (int)values.shape[2], labels, description);
    }

    private static TimeSeriesDataset FromFlat<TLabel>(float[] values, int n, int l, int c, IReadOnlyList<TLabel> labels, DatasetDescription? description) where TLabel : notnull
    {
        ArgumentNullException.ThrowIfNull(labels);
        description ??= new DatasetDescription();
        string[] text = labels.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToArray();
        return Create(values, n, l, c, text, "values", "labels", description.ClassNames,
            classes => TimeSeriesFiles.Describe(description, "arrays", $"arrays ({n} series of {l} steps × {c} channel(s))", c, null, classes, n, l));
    }

    /// <summary>
    /// Checks (N, L, C) values and their labels, resolves the classes and builds the dataset; nothing is built when a check fails.
    /// <paramref name="valuesSource"/> and <paramref name="labelsSource"/> name the inputs in errors; <paramref name="declaredClasses"/> are
    /// classes given by the user or the file (null: the distinct labels, numerically when all are integers, else in ordinal order);
    /// <paramref name="describe"/> gives the dataset's description for its classes.
    /// </summary>
    internal static TimeSeriesDataset Create(float[] values, int n, int l, int c, string[] labels, string valuesSource, string labelsSource,
        IReadOnlyList<string>? declaredClasses, Func<string[], DatasetInfo> describe)
    {
        if (n < 1 || l < 1 || c < 1) throw new DatasetException(valuesSource, $"no series: shape (N, L, C) = ({n}, {l}, {c})");
        if (values.LongLength != (long)n * l * c) throw new DatasetException(valuesSource, $"{values.Length} values do not fill (N, L, C) = ({n}, {l}, {c})");
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                long sample = i / ((long)l * c), step = i / c % l, channel = i % c;
                int bad = values.Count(v => !float.IsFinite(v));
                throw new DatasetException(valuesSource, $"{bad} non-finite value(s) (NaN or Inf as float32); the first is {values[i]} at sample {sample}, step {step}, channel {channel}");
            }
        }
        if (labels.Length != n)
            throw new DatasetException(labelsSource, $"has {labels.Length} labels but {valuesSource} has {n} samples");
        (labels, string[] classNames) = ResolveClasses(labels, declaredClasses, labelsSource);
        DatasetInfo info = describe(classNames);

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
        using (torch.NewDisposeScope())
            x = torch.tensor(values, [n, l, c], ScalarType.Float32).permute(0, 2, 1).contiguous().DetachFromDisposeScope();
        return new TimeSeriesDataset(info, x, labels, classNames, labelIndex, overall, perClass, counts);
    }

    /// <summary>
    /// The classes and each series' label: the declared classes (every one must have a series; labels that are the integers 0 … K−1 are
    /// renamed to the K declared names), else the distinct labels, in numeric order when all are integers (numpy.unique of an int
    /// array), else in ordinal order (numpy.unique of a string array).
    /// </summary>
    private static (string[] Labels, string[] Classes) ResolveClasses(string[] labels, IReadOnlyList<string>? declared, string source)
    {
        int empty = Array.FindIndex(labels, string.IsNullOrWhiteSpace);
        if (empty >= 0) throw new DatasetException(source, $"the label of series {empty} is empty");
        if (declared is null)
        {
            return (labels, LabelOrder.Distinct(labels));
        }
        string[] classes = declared.ToArray();
        if (classes.Length == 0) throw new ArgumentException("the class names are an empty list.");
        if (classes.FirstOrDefault(string.IsNullOrWhiteSpace) is not null) throw new ArgumentException("a class name is empty.");
        if (classes.GroupBy(x => x, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"class '{twice.Key}' is named twice in the class names.");
        var known = new HashSet<string>(classes, StringComparer.Ordinal);
        int unknown = Array.FindIndex(labels, label => !known.Contains(label));
        if (unknown >= 0)
        {
            bool indices = labels.All(label => int.TryParse(label, NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k < classes.Length);
            if (!indices)
                throw new DatasetException(source, $"series {unknown} is labelled '{labels[unknown]}', which is not one of the classes {string.Join(", ", classes)} (nor a class index 0 … {classes.Length - 1})");
            labels = labels.Select(label => classes[int.Parse(label, CultureInfo.InvariantCulture)]).ToArray();
        }
        var used = new HashSet<string>(labels, StringComparer.Ordinal);
        if (classes.FirstOrDefault(cls => !used.Contains(cls)) is { } missing)
            throw new DatasetException(source, $"class '{missing}' has no series (an empty class); the classes are {string.Join(", ", classes)}");
        return (labels, classes);
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
