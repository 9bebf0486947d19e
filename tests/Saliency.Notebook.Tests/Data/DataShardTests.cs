using Saliency.Notebook.Data.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Data;

/// <summary>Shards of a source: the slices, the scheduler's index, reading rows by range, and the fingerprints that tell data apart.</summary>
public class DataShardTests
{
    [Theory]
    [InlineData(10, 4, 1)]
    [InlineData(990, 4, 1)]
    [InlineData(3, 5, 1)]
    [InlineData(2_000_000, 7, 1)]
    [InlineData(990, 4, 256)]
    [InlineData(2_000_000, 7, 256)]
    [InlineData(100, 12, 8)]
    public void The_shards_are_whole_chunks_contiguous_disjoint_balanced_and_cover_every_row(long rows, int shards, int chunkSize)
    {
        long next = 0;
        var sizes = new List<long>();
        for (int i = 1; i <= shards; i++)
        {
            var (first, count) = new DataShard(i, shards).RowRange(rows, chunkSize);
            Assert.Equal(next, first);
            Assert.True(count == 0 || first % chunkSize == 0);
            next = first + count;
            sizes.Add(count);
        }
        Assert.Equal(rows, next);
        Assert.True(sizes.Max() - sizes.Min() <= 2 * chunkSize - 1);   // each end moves to a chunk's start
    }

    [Fact]
    public void Shard_text_and_the_schedulers_indices_are_read()
    {
        static Func<string, string?> Env(params (string Name, string Value)[] vars) => name => vars.FirstOrDefault(v => v.Name == name).Value;
        Assert.Equal(new DataShard(3, 8), DataShard.Parse("3/8", Env()));
        // Slurm: --array=1-4 and --array=0-3 both number the shards 1..4.
        Assert.Equal(new DataShard(2, 4), DataShard.Parse("auto", Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_MAX", "4"), ("SLURM_ARRAY_TASK_COUNT", "4"))));
        Assert.Equal(new DataShard(1, 4), DataShard.Parse("auto", Env(("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_MAX", "3"), ("SLURM_ARRAY_TASK_COUNT", "4"))));
        // Kubernetes Indexed Job: 0-based JOB_COMPLETION_INDEX, the completions given as auto/N.
        Assert.Equal(new DataShard(4, 4), DataShard.Parse("auto/4", Env(("JOB_COMPLETION_INDEX", "3"))));
    }

    [Theory]
    [InlineData("0/4", "outside 1..4")]
    [InlineData("5/4", "outside 1..4")]
    [InlineData("3", "I/N")]
    [InlineData("a/4", "whole number")]
    [InlineData("1/2/3", "I/N")]
    [InlineData("auto", "neither SLURM_ARRAY_TASK_ID")]
    public void A_bad_shard_is_a_clear_error(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => DataShard.Parse(text, _ => null));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void The_scheduler_index_without_a_count_or_from_a_strided_array_is_refused()
    {
        Assert.Contains("auto/N", Assert.Throws<FormatException>(() => DataShard.Parse("auto", n => n == "JOB_COMPLETION_INDEX" ? "0" : null)).Message);
        var strided = new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "3", ["SLURM_ARRAY_TASK_MIN"] = "1", ["SLURM_ARRAY_TASK_MAX"] = "7", ["SLURM_ARRAY_TASK_COUNT"] = "4" };
        Assert.Contains("consecutive", Assert.Throws<FormatException>(() => DataShard.Parse("auto", n => strided.GetValueOrDefault(n))).Message);
        Assert.Contains("auto/3 in a job array of 4", Assert.Throws<FormatException>(() => DataShard.Parse("auto/3", n => strided.GetValueOrDefault(n) is { } v && n != "SLURM_ARRAY_TASK_MAX" ? v : null)).Message);
    }

    [Fact]
    public void A_shard_of_a_ranged_and_of_a_sequential_source_holds_the_same_whole_chunks()
    {
        using var data = Dataset(23, seed: 1);
        var ranged = ChunkedSeries.From(data, chunkSize: 5);
        var sequential = ChunkedSeries.From(data.Info.Name, data.C, data.L, data.Info.PlotKind, () => ranged.Chunks(), data.N);
        Assert.IsAssignableFrom<IRowRangeSeries>(ranged);
        Assert.False(sequential is IRowRangeSeries);
        foreach (var source in new[] { ranged, sequential })
            for (int i = 1; i <= 4; i++)
            {
                var shard = new DataShard(i, 4);
                var (first, count) = shard.RowRange(data.N, chunkSize: 5);
                var (x, labels) = Collect(shard.Of(source));
                using (x)
                using (var expected = data.X.narrow(0, first, count))
                    Assert.True(x.allclose(expected, rtol: 0, atol: 0), $"shard {shard}");
                Assert.Equal(data.Labels.Skip((int)first).Take((int)count), labels);
            }
    }

    [Fact]
    public void The_fingerprint_tells_a_changed_row_apart_and_is_the_same_for_either_kind_of_source()
    {
        using var data = Dataset(40, seed: 2);
        var ranged = ChunkedSeries.From(data, chunkSize: 7);
        var sequential = ChunkedSeries.From(data.Info.Name, data.C, data.L, data.Info.PlotKind, () => ranged.Chunks(), data.N);
        string fingerprint = SeriesFingerprint.Of(ranged);
        Assert.Equal(fingerprint, SeriesFingerprint.Of(sequential));

        // Row 39·8/16 = 19 is a probe row: one changed value changes the fingerprint; the same data under another name too.
        using var changed = Dataset(40, seed: 2, change: 19);
        Assert.NotEqual(fingerprint, SeriesFingerprint.Of(ChunkedSeries.From(changed)));
        using var renamed = Dataset(40, seed: 2, name: "other");
        Assert.NotEqual(fingerprint, SeriesFingerprint.Of(ChunkedSeries.From(renamed)));
    }

    [Fact]
    public void A_shard_of_a_source_that_does_not_know_its_size_is_refused()
    {
        using var data = Dataset(10, seed: 3);
        var unknown = ChunkedSeries.From(data.Info.Name, data.C, data.L, data.Info.PlotKind, () => ChunkedSeries.From(data).Chunks());
        Assert.Contains("cannot be split into shards", Assert.Throws<ArgumentException>(() => new DataShard(1, 2).Of(unknown)).Message);
    }

    private static TimeSeriesDataset Dataset(int n, int seed, int? change = null, string name = "shard-test")
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var values = torch.randn(new long[] { n, 12, 2 }, generator: generator);
        if (change is int row) values[row, 0, 0] = values[row, 0, 0] + 1;
        return TimeSeriesDataset.FromTensor(values, Enumerable.Range(0, n).Select(i => i % 3).ToArray(), new DatasetDescription { Name = name });
    }

    private static (Tensor X, List<string> Labels) Collect(IChunkedSeries source)
    {
        var parts = new List<Tensor>();
        var labels = new List<string>();
        foreach (var chunk in source.Chunks())
        {
            parts.Add(chunk.X);
            labels.AddRange(chunk.Labels);
        }
        var x = torch.cat(parts, 0);
        foreach (var part in parts) part.Dispose();
        return (x, labels);
    }
}
