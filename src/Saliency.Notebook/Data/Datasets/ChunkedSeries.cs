using Saliency.Notebook.Data.Datasets.Readers;
using Saliency.Notebook.Data.Npy;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Data.Datasets;

/// <summary>One chunk of a dataset read piece by piece: samples (B, C, L) float32 on the CPU and their labels. Owns <see cref="X"/>.</summary>
public sealed class SeriesChunk : IDisposable
{
    /// <summary>A chunk of <paramref name="x"/> (B, C, L) with one label per sample; the chunk takes ownership of the tensor.</summary>
    public SeriesChunk(Tensor x, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(labels);
        if (x.dim() != 3) throw new ArgumentException($"A chunk must be (B, C, L); got shape [{string.Join(", ", x.shape)}].", nameof(x));
        if (labels.Count != x.shape[0]) throw new ArgumentException($"A chunk of {x.shape[0]} samples has {labels.Count} labels.", nameof(labels));
        X = x;
        Labels = labels;
    }

    /// <summary>The samples (B, C, L).</summary>
    public Tensor X { get; }

    /// <summary>One label per sample.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Number of samples B.</summary>
    public int Count => (int)X.shape[0];

    /// <summary>Frees <see cref="X"/>.</summary>
    public void Dispose() => X.Dispose();
}

/// <summary>
/// A dataset read chunk by chunk, for analyses in memory that does not grow with N (the streaming global maps read it twice).
/// Every call of <see cref="Chunks"/> starts again at the first sample and must give the same samples and labels in the same order.
/// </summary>
public interface IChunkedSeries
{
    /// <summary>The dataset's name.</summary>
    string Name { get; }

    /// <summary>Channels C.</summary>
    int Channels { get; }

    /// <summary>Series length L.</summary>
    int Length { get; }

    /// <summary>How the series are drawn (chooses the paper's map variant).</summary>
    PlotKind PlotKind { get; }

    /// <summary>N when known up front (progress, output shapes), else null.</summary>
    long? Count { get; }

    /// <summary>The chunks in dataset order; the caller disposes each.</summary>
    IEnumerable<SeriesChunk> Chunks();
}

/// <summary>
/// A chunked source that can start anywhere: the chunks of rows [first, first + count) without reading the rows before them (a .npy read
/// at its row offsets, a loaded dataset). A shard of such a source (<see cref="DataShard.Of"/>) costs only its own rows.
/// </summary>
public interface IRowRangeSeries : IChunkedSeries
{
    /// <summary>Rows per chunk of <see cref="IChunkedSeries.Chunks()"/> (the last may be shorter): chunk k starts at row k × ChunkSize.</summary>
    int ChunkSize { get; }

    /// <summary>The chunks of rows [<paramref name="first"/>, first + <paramref name="count"/>), in chunks of <see cref="ChunkSize"/> from <paramref name="first"/>; the caller disposes each.</summary>
    IEnumerable<SeriesChunk> Chunks(long first, long count);
}

/// <summary>Sources of <see cref="IChunkedSeries"/>: a loaded dataset, a .npy file of any size, or any re-runnable sequence of chunks.</summary>
public static class ChunkedSeries
{
    /// <summary>
    /// Default samples per chunk: 256 series of 200 steps keep every per-chunk tensor of the paper's models (the (B, L, D) maps at
    /// D = 64: 13 MB) small enough that the native heap's peak stays flat over a million series (1024 lets it grow by half).
    /// </summary>
    public const int DefaultChunkSize = 256;

    /// <summary>A loaded dataset in chunks of <paramref name="chunkSize"/> samples (views copied out one chunk at a time).</summary>
    public static IChunkedSeries From(TimeSeriesDataset data, int chunkSize = DefaultChunkSize)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckChunkSize(chunkSize);
        return new RowRangeSequence(data.Info.Name, data.C, data.L, data.Info.PlotKind, data.N, chunkSize, (first, count) => DatasetChunks(data, first, count, chunkSize));
    }

    /// <summary>
    /// Any source of chunks: <paramref name="chunks"/> is called once per pass and must give the same samples each time
    /// (e.g. read from a database or generated from a seed); <paramref name="count"/> is N when known.
    /// </summary>
    public static IChunkedSeries From(string name, int channels, int length, PlotKind plotKind, Func<IEnumerable<SeriesChunk>> chunks, long? count = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(chunks);
        if (channels < 1 || length < 1) throw new ArgumentException($"channels and length must be positive; got {channels} × {length}.");
        return new Sequence(name, channels, length, plotKind, count, chunks);
    }

    /// <summary>
    /// A float (N, L, C) or (N, L) .npy file of any size, read <paramref name="chunkSize"/> samples at a time at 64-bit offsets
    /// (<see cref="NpyChunkReader"/>), with one label per sample from <paramref name="labelsPath"/> (a labels file as for --labels).
    /// Non-finite values are refused with the sample, step and channel. Without <paramref name="plotKind"/> the series are time series
    /// (a .npy names no channels, as <see cref="TimeSeriesFiles"/> infers).
    /// </summary>
    public static IChunkedSeries FromNpy(string valuesPath, string labelsPath, string? name = null, PlotKind? plotKind = null, int chunkSize = DefaultChunkSize)
    {
        CheckChunkSize(chunkSize);
        var header = NpyReader.ReadHeader(valuesPath);
        if (header.Shape.Length is not (2 or 3) || header.DType.Kind is not (NpyKind.Float32 or NpyKind.Float64))
            throw new DatasetException(valuesPath, $"expected a float (N, L, C) or (N, L) array, got {header.DType.Descr} {header.ShapeText}");
        long n = header.Shape[0];
        if (header.Shape.Skip(1).Any(size => size > int.MaxValue))
            throw new DatasetException(valuesPath, $"shape {header.ShapeText}: a series' steps and channels must each be at most {int.MaxValue}");
        int length = (int)header.Shape[1];
        int channels = header.Shape.Length == 3 ? (int)header.Shape[2] : 1;
        string[] labels = LabelsFile.Read(labelsPath);
        if (labels.LongLength != n) throw new DatasetException(labelsPath, $"{labels.Length} labels for {n} series in {valuesPath}");
        var empty = Array.FindIndex(labels, string.IsNullOrWhiteSpace);
        if (empty >= 0) throw new DatasetException(labelsPath, $"the label of series {empty} is empty");
        return new RowRangeSequence(name ?? Path.GetFileNameWithoutExtension(valuesPath), channels, length,
            plotKind ?? PlotKind.TimeSeries, n, chunkSize, (first, count) => NpyChunks(valuesPath, labels, length, channels, chunkSize, first, count));
    }

    private static IEnumerable<SeriesChunk> DatasetChunks(TimeSeriesDataset data, long start, long rows, int chunkSize)
    {
        for (long first = start; first < start + rows; first += chunkSize)
        {
            int count = (int)Math.Min(chunkSize, start + rows - first);
            using var view = data.X.narrow(0, first, count);
            yield return new SeriesChunk(view.clone(), new ArraySegment<string>(data.Labels, (int)first, count));
        }
    }

    private static IEnumerable<SeriesChunk> NpyChunks(string path, string[] labels, int length, int channels, int chunkSize, long start, long rows)
    {
        using var reader = new NpyChunkReader(path);
        if (start + rows > reader.Rows) throw new InvalidOperationException($"{path} has {reader.Rows} rows now; rows up to {start + rows} were asked for (the file changed).");
        var buffer = new float[checked(chunkSize * length * channels)];
        for (long first = start; first < start + rows; first += chunkSize)
        {
            int count = (int)Math.Min(chunkSize, start + rows - first);
            var values = buffer.AsSpan(0, count * length * channels);
            reader.ReadRows(first, count, values);
            int bad = FirstNonFinite(values);
            if (bad >= 0)
                throw new DatasetException(path, $"non-finite value {values[bad]} at sample {first + bad / (length * channels)}, step {bad / channels % length}, channel {bad % channels}");
            Tensor chunk;
            using (torch.NewDisposeScope())
                chunk = torch.tensor(values.ToArray(), new long[] { count, length, channels }).permute(0, 2, 1).contiguous().MoveToOuterDisposeScope();
            yield return new SeriesChunk(chunk, new ArraySegment<string>(labels, (int)first, count));
        }
    }

    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    private static void CheckChunkSize(int chunkSize)
    {
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "chunkSize must be at least 1.");
    }

    private sealed class Sequence(string name, int channels, int length, PlotKind plotKind, long? count, Func<IEnumerable<SeriesChunk>> chunks) : IChunkedSeries
    {
        public string Name => name;
        public int Channels => channels;
        public int Length => length;
        public PlotKind PlotKind => plotKind;
        public long? Count => count;
        public IEnumerable<SeriesChunk> Chunks() => chunks();
    }

    private sealed class RowRangeSequence(string name, int channels, int length, PlotKind plotKind, long count, int chunkSize, Func<long, long, IEnumerable<SeriesChunk>> range) : IRowRangeSeries
    {
        public int ChunkSize => chunkSize;
        public string Name => name;
        public int Channels => channels;
        public int Length => length;
        public PlotKind PlotKind => plotKind;
        public long? Count => count;
        public IEnumerable<SeriesChunk> Chunks() => range(0, count);
        public IEnumerable<SeriesChunk> Chunks(long first, long rows)
        {
            if (first < 0 || rows < 0 || first + rows > count)
                throw new ArgumentOutOfRangeException(nameof(first), $"rows {first}..{first + rows} are outside the {count} rows of '{name}'.");
            return range(first, rows);
        }
    }
}
