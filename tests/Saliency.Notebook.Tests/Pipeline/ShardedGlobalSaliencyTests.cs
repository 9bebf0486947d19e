using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Pipeline;

/// <summary>
/// The sharded passes: four shards and their merges give the one-machine engine's maps on the paper's eog data and checkpoint, and
/// every way of merging partials that do not belong together is refused with the file at fault named.
/// </summary>
public class ShardedGlobalSaliencyTests
{
    [Fact]
    public void Four_shards_and_the_merges_give_the_one_machine_maps_and_summary_on_eog()
    {
        string dir = Directory.CreateTempSubdirectory("shards-eog-").FullName;
        try
        {
            using var data = DatasetRegistry.Load("eog", TestData.DataDirectory);
            using var loaded = ModelStore.Load(OriginalFiles.Checkpoint("eog"), data.C, data.L, "eog");
            var source = ChunkedSeries.From(data);
            var one = PipelineOutputs.SaveStreaming(loaded, source, Path.Combine(dir, "one"));

            string parts = Path.Combine(dir, "parts"), fit = Path.Combine(dir, "fit.json");
            for (int i = 1; i <= 4; i++) ShardedGlobalSaliency.Moments(loaded, source, new DataShard(i, 4), parts);
            var fitted = ShardedGlobalSaliency.Fit([parts], fit);
            Assert.Equal(990, fitted.Samples);
            for (int i = 1; i <= 4; i++) ShardedGlobalSaliency.Maps(loaded, source, fit, new DataShard(i, 4), parts);
            var merged = ShardedGlobalSaliency.Merge(fit, [parts], Path.Combine(dir, "merged"));

            Assert.Equal(one.Maps.Labels, merged.Maps.Labels);
            Assert.True(RelativeDifference(one.Maps.Raw, merged.Maps.Raw) <= 1e-9);
            Assert.True(RelativeDifference(one.Maps.Normalised, merged.Maps.Normalised) <= 1e-9);
            Assert.True(RelativeDifference(one.Pca.Components, merged.Pca.Components) <= 1e-9);
            Assert.Equal(one.GradCamPath, merged.GradCamPath);

            // The same files, and the same summary but for the timings (and the affine residual, a max over chunks that differ).
            Assert.Equal(Directory.GetFiles(Path.Combine(dir, "one")).Select(Path.GetFileName).Order(), Directory.GetFiles(Path.Combine(dir, "merged")).Select(Path.GetFileName).Order());
            var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "one", "summary.json")))!.AsObject();
            var actual = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "merged", "summary.json")))!.AsObject();
            Assert.Equal(expected.Select(p => p.Key), actual.Select(p => p.Key));
            foreach (var (key, value) in expected.Where(p => p.Key is not ("timings_s" or "affine_residual")))
                Assert.True(JsonNode.DeepEquals(value, actual[key]), $"summary.json '{key}': {value?.ToJsonString()} against {actual[key]?.ToJsonString()}");
            Assert.Equal(expected["affine_residual"]!.GetValue<double>(), actual["affine_residual"]!.GetValue<double>(), 1e-6);
            Assert.Equal(Floats(Path.Combine(dir, "one", "latents.npy")), Floats(Path.Combine(dir, "merged", "latents.npy")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void An_empty_shard_and_a_sequential_source_merge_as_well()
    {
        // 9 shards of 10 rows: no shard is empty; 12 shards of 10 rows: two are. A source without row ranges is read through.
        using var setup = new Setup(10);
        var sequential = ChunkedSeries.From(setup.Data.Info.Name, setup.Data.C, setup.Data.L, setup.Data.Info.PlotKind, () => setup.Source.Chunks(), setup.Data.N);
        var one = StreamingGlobalSaliency.Run(setup.Model, setup.Source);
        var merged = setup.RunAll(12, source: sequential);
        Assert.Equal(one.GradCamPath, merged.GradCamPath);
        Assert.True(RelativeDifference(one.Pca.Components, merged.Pca.Components) <= 1e-9, $"{RelativeDifference(one.Pca.Components, merged.Pca.Components)}");
        Assert.True(RelativeDifference(one.Maps.Normalised, merged.Maps.Normalised) <= 1e-9, $"{RelativeDifference(one.Maps.Normalised, merged.Maps.Normalised)}");
    }

    [Fact]
    public void Partials_of_another_model_data_settings_or_shard_count_are_refused_by_name()
    {
        using var setup = new Setup(60);
        using var other = setup.OtherModel();
        using var changed = setup.ChangedData(row: 22);
        string parts = setup.Folder("parts");
        var shards = Enumerable.Range(1, 3).Select(i => new DataShard(i, 3)).ToArray();

        ShardedGlobalSaliency.Moments(setup.Model, setup.Source, shards[0], parts);
        ShardedGlobalSaliency.Moments(other, setup.Source, shards[1], parts);
        ShardedGlobalSaliency.Moments(setup.Model, setup.Source, shards[2], parts);
        var error = Assert.Throws<InvalidDataException>(() => ShardedGlobalSaliency.Fit([parts], setup.Folder("fit.json")));
        Assert.Contains("different model: moments-0002-of-0003.npz has model", error.Message);

        ShardedGlobalSaliency.Moments(setup.Model, setup.Source, shards[1], parts);
        ShardedGlobalSaliency.Moments(setup.Model, ChunkedSeries.From(changed, chunkSize: 8), shards[2], parts);
        Assert.Contains("different data: moments-0003-of-0003.npz", Assert.Throws<InvalidDataException>(() => ShardedGlobalSaliency.Fit([parts], setup.Folder("fit.json"))).Message);

        ShardedGlobalSaliency.Moments(setup.Model, setup.Source, shards[2], parts);
        ShardedGlobalSaliency.Moments(setup.Model, setup.Source, shards[0], parts, new PipelineOptions { Components = 3 });
        Assert.Contains("different settings: moments-0001-of-0003.npz", Assert.Throws<InvalidDataException>(() => ShardedGlobalSaliency.Fit([parts], setup.Folder("fit.json"))).Message);

        ShardedGlobalSaliency.Moments(setup.Model, setup.Source, shards[0], parts);
        string halves = setup.Folder("halves");
        ShardedGlobalSaliency.Moments(setup.Model, setup.Source, new DataShard(1, 2), halves);
        Assert.Contains("different shard count: moments-0001-of-0002.npz", Assert.Throws<InvalidDataException>(() => ShardedGlobalSaliency.Fit([parts, halves], setup.Folder("fit.json"))).Message);
        Assert.False(File.Exists(setup.Folder("fit.json")));
    }

    [Fact]
    public void A_missing_or_duplicate_shard_and_another_format_version_are_refused()
    {
        using var setup = new Setup(60);
        string parts = setup.Folder("parts");
        for (int i = 1; i <= 3; i++) ShardedGlobalSaliency.Moments(setup.Model, setup.Source, new DataShard(i, 3), parts);
        string copy = setup.Folder("copy");
        Directory.CreateDirectory(copy);
        File.Copy(Path.Combine(parts, "moments-0002-of-0003.npz"), Path.Combine(copy, "moments-0002-of-0003.npz"));
        Assert.Contains("Shard 2 of 3 appears twice", Assert.Throws<InvalidDataException>(() => ShardedGlobalSaliency.Fit([parts, copy], setup.Folder("fit.json"))).Message);

        File.Delete(Path.Combine(parts, "moments-0002-of-0003.npz"));
        Assert.Contains("Shard 2 of 3 is missing", Assert.Throws<InvalidDataException>(() => ShardedGlobalSaliency.Fit([parts], setup.Folder("fit.json"))).Message);

        string renamed = Path.Combine(parts, "moments-0002-of-0003.npz");
        File.Copy(Path.Combine(copy, "moments-0002-of-0003.npz"), renamed);
        RewriteManifest(renamed, manifest => manifest["format_version"] = 2);
        Assert.Contains("format version 2; this kit reads version 1", Assert.Throws<InvalidDataException>(() => ShardedGlobalSaliency.Fit([parts], setup.Folder("fit.json"))).Message);
    }

    [Fact]
    public void A_second_pass_with_another_model_or_changed_rows_and_a_merge_of_another_fit_are_refused()
    {
        using var setup = new Setup(60);
        using var other = setup.OtherModel();
        using var changed = setup.ChangedData(row: 1);           // not a probe row: the data fingerprint stays, the shard's content does not
        string parts = setup.Folder("parts"), fit = setup.Folder("fit.json");
        for (int i = 1; i <= 3; i++) ShardedGlobalSaliency.Moments(setup.Model, setup.Source, new DataShard(i, 3), parts);
        ShardedGlobalSaliency.Fit([parts], fit);

        Assert.Contains("this worker's model is not the model the fit", Assert.Throws<ArgumentException>(() => ShardedGlobalSaliency.Maps(other, setup.Source, fit, new DataShard(1, 3), parts)).Message);
        Assert.Contains("the data changed between the passes", Assert.Throws<InvalidOperationException>(() => ShardedGlobalSaliency.Maps(setup.Model, ChunkedSeries.From(changed, chunkSize: 8), fit, new DataShard(1, 3), parts)).Message);
        Assert.Contains("run the second pass with --shard I/3", Assert.Throws<ArgumentException>(() => ShardedGlobalSaliency.Maps(setup.Model, setup.Source, fit, new DataShard(1, 4), parts)).Message);
        Assert.False(File.Exists(Path.Combine(parts, "maps-0001-of-0003.npz")));

        // A fit that differs (here only in its recorded time) is another fit: a partial computed from it does not merge with this one.
        string otherFit = setup.Folder("other-fit.json");
        var json = JsonNode.Parse(File.ReadAllText(fit))!.AsObject();
        json["seconds"] = json["seconds"]!.GetValue<double>() + 1;
        File.WriteAllText(otherFit, json.ToJsonString());
        ShardedGlobalSaliency.Maps(setup.Model, setup.Source, fit, new DataShard(1, 3), parts);
        ShardedGlobalSaliency.Maps(setup.Model, setup.Source, otherFit, new DataShard(2, 3), parts);
        ShardedGlobalSaliency.Maps(setup.Model, setup.Source, fit, new DataShard(3, 3), parts);
        string output = setup.Folder("out");
        Assert.Contains("maps-0002-of-0003.npz was computed from another fit", Assert.Throws<InvalidDataException>(() => ShardedGlobalSaliency.Merge(fit, [parts], output)).Message);

        ShardedGlobalSaliency.Maps(setup.Model, setup.Source, fit, new DataShard(2, 3), parts);
        File.WriteAllBytes(Path.Combine(parts, "latents-0003-of-0003.npy"), File.ReadAllBytes(Path.Combine(parts, "latents-0001-of-0003.npy")));
        Assert.Contains("is not the latents file shard 3's first pass wrote", Assert.Throws<InvalidDataException>(() => ShardedGlobalSaliency.Merge(fit, [parts], output)).Message);
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.GetFileSystemEntries(setup.Folder(""), ".out*"));
    }

    private static void RewriteManifest(string path, Action<JsonObject> change)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.GetEntry("manifest.json")!;
        JsonObject manifest;
        using (var stream = entry.Open()) manifest = JsonNode.Parse(stream)!.AsObject();
        change(manifest);
        entry.Delete();
        using var writer = zip.CreateEntry("manifest.json").Open();
        JsonSerializer.Serialize(writer, manifest);
    }

    private static float[] Floats(string path) => Saliency.Notebook.Data.Npy.NpyReader.Read(path).ToSingleArray();

    private static double RelativeDifference(Array expected, Array actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Cast<double>().Max(Math.Abs), worst = 0;
        var a = expected.Cast<double>().ToArray();
        var b = actual.Cast<double>().ToArray();
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        return worst / scale;
    }

    /// <summary>A small seeded CVAE and N seeded series of 2 × 20 (three labels), and a temporary folder.</summary>
    private sealed class Setup : IDisposable
    {
        private static readonly CvaeConfig Config = new() { Channels = 2, Length = 20, LatentDim = 4, Dropout = 0.1 };   // dropout modules keep the paper's layer names (off in eval mode)
        private readonly string _dir = Directory.CreateTempSubdirectory("shards-").FullName;

        public Setup(int n)
        {
            torch.manual_seed(11);
            Model = new CVAE(Config);
            Model.eval();
            Data = Dataset(n, change: null);
            Source = ChunkedSeries.From(Data, chunkSize: 8);
        }

        public CVAE Model { get; }
        public TimeSeriesDataset Data { get; }
        public IChunkedSeries Source { get; }

        public string Folder(string name) => Path.Combine(_dir, name);

        public CVAE OtherModel()
        {
            torch.manual_seed(12);
            var other = new CVAE(Config);
            other.eval();
            return other;
        }

        public TimeSeriesDataset ChangedData(int row) => Dataset((int)Data.N, row);

        public GlobalMapsRun RunAll(int shards, IChunkedSeries source)
        {
            string parts = Folder($"all-{shards}"), fit = Folder($"fit-{shards}.json");
            for (int i = 1; i <= shards; i++) ShardedGlobalSaliency.Moments(Model, source, new DataShard(i, shards), parts);
            ShardedGlobalSaliency.Fit([parts], fit);
            for (int i = 1; i <= shards; i++) ShardedGlobalSaliency.Maps(Model, source, fit, new DataShard(i, shards), parts);
            return ShardedGlobalSaliency.Merge(fit, [parts], Folder($"merged-{shards}"));
        }

        private static TimeSeriesDataset Dataset(int n, int? change)
        {
            using var scope = NewDisposeScope();
            using var generator = new Generator(21);
            var values = torch.randn(new long[] { n, 20, 2 }, generator: generator).cumsum(1);
            if (change is int row) values[row, 3, 1] = values[row, 3, 1] + 0.5;
            return TimeSeriesDataset.FromTensor(values, Enumerable.Range(0, n).Select(i => (i % 3).ToString()).ToArray(), new DatasetDescription { Name = "sharded" });
        }

        public void Dispose()
        {
            Model.Dispose();
            Data.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }
}
