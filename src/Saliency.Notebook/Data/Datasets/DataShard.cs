using System.Globalization;

namespace Saliency.Notebook.Data.Datasets;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> (1-based, as <c>--shard I/N</c>): the deterministic slice of a source's N rows made of
/// the whole chunks that start in [⌊N(I−1)/N_s⌋, ⌊N·I/N_s⌋). The shards are contiguous, disjoint and cover every row, whoever computes
/// them; and since every chunk goes whole to one shard, each chunk is computed in the same batch as on one machine, so the shards'
/// float32 latents and maps equal one machine's bit for bit and only the float64 merges round differently. A scheduler's own index
/// is read by <see cref="Parse"/> from <c>auto</c>.
/// </summary>
public readonly record struct DataShard
{
    /// <summary>Shard <paramref name="index"/> (1..<paramref name="count"/>) of <paramref name="count"/>.</summary>
    public DataShard(int index, int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "The number of shards must be at least 1.");
        if (index < 1 || index > count) throw new ArgumentOutOfRangeException(nameof(index), index, $"The shard index runs from 1 to {count}; got {index}.");
        Index = index;
        Count = count;
    }

    /// <summary>I, from 1 to <see cref="Count"/>.</summary>
    public int Index { get; }

    /// <summary>N_s, the number of shards.</summary>
    public int Count { get; }

    /// <summary>
    /// The first row and the number of rows of this shard of <paramref name="rows"/> rows read in chunks of <paramref name="chunkSize"/>:
    /// the chunks that start in [⌊N(I−1)/N_s⌋, ⌊N·I/N_s⌋).
    /// </summary>
    public (long First, long Count) RowRange(long rows, int chunkSize = 1)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "A source has at least 0 rows.");
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "A chunk holds at least 1 row.");
        long first = Math.Min(rows, ChunkStart(Bound(rows, Index - 1), chunkSize)), end = Math.Min(rows, ChunkStart(Bound(rows, Index), chunkSize));
        return (first, Math.Max(0, end - first));
    }

    /// <summary>
    /// This shard of <paramref name="source"/>, whose N must be known: read from its first row when the source can start anywhere
    /// (<see cref="IRowRangeSeries"/>), else by passing over the chunks before it. Its <c>Count</c> is known for the former only.
    /// </summary>
    public IChunkedSeries Of(IChunkedSeries source)
    {
        ArgumentNullException.ThrowIfNull(source);
        long rows = source.Count ?? throw new ArgumentException($"'{source.Name}' does not say how many rows it has, so it cannot be split into shards; give a source that knows N (a .npy, a dataset).", nameof(source));
        if (source is IRowRangeSeries ranged)
        {
            var (first, count) = RowRange(rows, ranged.ChunkSize);
            return ChunkedSeries.From(source.Name, source.Channels, source.Length, source.PlotKind, () => ranged.Chunks(first, count), count);
        }
        long low = Bound(rows, Index - 1), high = Bound(rows, Index);
        return ChunkedSeries.From(source.Name, source.Channels, source.Length, source.PlotKind, () => ChunksStartingIn(source, low, high));
    }

    /// <summary>The chunks of <paramref name="source"/> that start in [<paramref name="low"/>, <paramref name="high"/>); the others are read and dropped.</summary>
    private static IEnumerable<SeriesChunk> ChunksStartingIn(IChunkedSeries source, long low, long high)
    {
        long row = 0;
        foreach (var chunk in source.Chunks())
        {
            long start = row;
            row += chunk.Count;
            if (start >= low && start < high) yield return chunk;
            else chunk.Dispose();
            if (row >= high) yield break;
        }
    }

    private long Bound(long rows, int shards) => (long)(new System.Numerics.BigInteger(rows) * shards / Count);

    private static long ChunkStart(long row, int chunkSize) => (row + chunkSize - 1) / chunkSize * chunkSize;

    /// <summary>"I/N", as the command line takes it.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>
    /// Reads <c>I/N</c>, or <c>auto</c> / <c>auto/N</c> for the scheduler's own index: a Slurm job array's task (I = SLURM_ARRAY_TASK_ID −
    /// SLURM_ARRAY_TASK_MIN + 1, N = SLURM_ARRAY_TASK_COUNT, so <c>--array=1-4</c> and <c>--array=0-3</c> both give 1..4), or a Kubernetes
    /// Indexed Job's pod (I = JOB_COMPLETION_INDEX + 1; N from <c>auto/N</c>, the Job's completions). <paramref name="environment"/>
    /// reads a variable (default: the process's).
    /// </summary>
    public static DataShard Parse(string text, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        environment ??= Environment.GetEnvironmentVariable;
        string[] parts = text.Split('/');
        if (parts.Length > 2 || parts.Any(string.IsNullOrWhiteSpace))
            throw new FormatException($"--shard takes I/N (e.g. 3/8), auto or auto/N; got '{text}'.");
        int? given = parts.Length == 2 ? Number(parts[1], "N", text) : null;
        if (!parts[0].Equals("auto", StringComparison.OrdinalIgnoreCase))
            return given is int n ? Checked(Number(parts[0], "I", text), n, text) : throw new FormatException($"--shard takes I/N (e.g. 3/8), auto or auto/N; got '{text}'.");

        if (environment("SLURM_ARRAY_TASK_ID") is { } slurmId)
        {
            int id = Variable("SLURM_ARRAY_TASK_ID", slurmId);
            int min = environment("SLURM_ARRAY_TASK_MIN") is { } m ? Variable("SLURM_ARRAY_TASK_MIN", m) : 1;
            int? count = environment("SLURM_ARRAY_TASK_COUNT") is { } c ? Variable("SLURM_ARRAY_TASK_COUNT", c) : null;
            if (environment("SLURM_ARRAY_TASK_MAX") is { } maxText && count is int tasks && Variable("SLURM_ARRAY_TASK_MAX", maxText) - min + 1 != tasks)
                throw new FormatException($"--shard auto needs a job array of consecutive task ids (e.g. --array=1-{tasks}); this one has {tasks} tasks from {min} to {maxText}.");
            int shards = given ?? count ?? throw new FormatException("--shard auto: SLURM_ARRAY_TASK_COUNT is not set; give --shard auto/N.");
            if (given is int g && count is int t && g != t)
                throw new FormatException($"--shard auto/{g} in a job array of {t} tasks; give --shard auto, or an array of {g} tasks.");
            return Checked(id - min + 1, shards, text);
        }
        if (environment("JOB_COMPLETION_INDEX") is { } k8sIndex)
        {
            int shards = given ?? throw new FormatException("--shard auto in a Kubernetes Indexed Job needs the Job's completions: give --shard auto/N.");
            return Checked(Variable("JOB_COMPLETION_INDEX", k8sIndex) + 1, shards, text);
        }
        throw new FormatException("--shard auto reads the scheduler's index, but neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; give --shard I/N.");
    }

    private static DataShard Checked(int index, int count, string text) =>
        count < 1 ? throw new FormatException($"--shard {text}: the number of shards must be at least 1.")
        : index < 1 || index > count ? throw new FormatException($"--shard {text}: the shard index is {index}, outside 1..{count}.")
        : new DataShard(index, count);

    private static int Number(string part, string what, string text) =>
        int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value
            : throw new FormatException($"--shard {text}: {what} must be a whole number; got '{part}'.");

    private static int Variable(string name, string value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int number) ? number
            : throw new FormatException($"--shard auto: {name}='{value}' is not a whole number.");
}
