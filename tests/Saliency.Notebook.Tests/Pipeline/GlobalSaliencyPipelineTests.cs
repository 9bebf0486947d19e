using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Pipeline;

/// <summary>The whole global-saliency pipeline on the authors' symbols checkpoint against the reference numbers (§6.2).</summary>
public class GlobalSaliencyPipelineTests
{
    private static string SymbolsCheckpoint => TestData.Checkpoint("symbols");

    [Fact]
    public void Symbols_checkpoint_reproduces_the_reference_pca_and_gradcam()
    {
        using var data = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        using var loaded = ModelStore.Load(SymbolsCheckpoint, data.C, data.L, "symbols");
        using var result = GlobalSaliencyPipeline.Run(loaded.Model, data);

        Assert.Equal(new long[] { 1100, 16 }, result.Latents.shape);
        Assert.Equal(new long[] { 1100, 60, 16 }, result.GradCam.shape);
        Assert.Equal(new long[] { 1100, 60, 2 }, result.Projections.shape);
        Assert.Equal(0.245934, result.Pca.ExplainedVarianceRatio[0], 5);
        Assert.Equal(0.236768, result.Pca.ExplainedVarianceRatio[1], 5);
        Assert.Equal(6.41308, result.Pca.ExplainedVariance[0], 4);
        Assert.Equal(6.17406, result.Pca.ExplainedVariance[1], 4);

        double[] expected = { 0.020060, 0.024354, 0.027403, 0.030084, 0.032256 }; // |GradCAM| sample 0, dim 0, t = 0..4
        for (int t = 0; t < expected.Length; t++)
        {
            double actual = result.GradCam[0, t, 0].item<float>();
            Assert.True(Math.Abs(actual - expected[t]) <= 1e-4 * expected[t] + 5e-7, $"t={t}: {actual} vs {expected[t]}");
        }

        Assert.Equal(MapVariant.Trajectories, result.Variant);
        Assert.Equal(new[] { "(", ")", "\\Omega" }, result.Maps.Labels);
        Assert.Equal(new[] { 3, 2, 200, 200 }, Enumerable.Range(0, 4).Select(result.Maps.Raw.GetLength));
    }

    [Fact]
    public void The_in_memory_run_and_the_streamed_run_write_one_summary_schema()
    {
        using var data = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        using var loaded = ModelStore.Load(SymbolsCheckpoint, data.C, data.L, "symbols");
        string root = Directory.CreateTempSubdirectory("summary-schema-").FullName;
        try
        {
            var options = new PipelineOptions { GridSize = 30, Sigma = 1 };
            using (var result = GlobalSaliencyPipeline.Run(loaded, data, options)) PipelineOutputs.Save(result, Path.Combine(root, "memory"));
            PipelineOutputs.SaveStreaming(loaded, ChunkedSeries.From(data, 300), Path.Combine(root, "streamed"), options);
            using var memory = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "memory", "summary.json")));
            using var streamed = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "streamed", "summary.json")));
            Assert.Equal(Keys(memory.RootElement), Keys(streamed.RootElement));
            foreach (var summary in new[] { memory.RootElement, streamed.RootElement })
            {
                Assert.Equal(PipelineOutputs.SummarySchemaVersion, summary.GetProperty("schema_version").GetInt32());
                var t = summary.GetProperty("timings_s");
                Assert.Equal(t.GetProperty("binning").GetDouble() + t.GetProperty("finish").GetDouble(), t.GetProperty("maps").GetDouble(), 12);
                Assert.Equal("affine-head", summary.GetProperty("gradcam_path").GetString());
            }
            foreach (string key in new[] { "dataset", "samples", "length", "latent_dim", "components", "layer", "variant", "grid", "sigma", "combination" })
                Assert.Equal(memory.RootElement.GetProperty(key).ToString(), streamed.RootElement.GetProperty(key).ToString());
            Assert.Equal(3, memory.RootElement.GetProperty("per_sample_files").GetArrayLength());
            Assert.Equal(1, streamed.RootElement.GetProperty("per_sample_files").GetArrayLength());
        }
        finally { Directory.Delete(root, recursive: true); }

        static string[] Keys(System.Text.Json.JsonElement element) =>
            element.EnumerateObject().SelectMany(p => p.Value.ValueKind == System.Text.Json.JsonValueKind.Object
                ? Keys(p.Value).Select(k => p.Name + "." + k).Prepend(p.Name) : [p.Name]).Order().ToArray();
    }

    [Fact]
    public void Outputs_are_written_with_the_documented_shapes_and_replace_a_previous_run_whole()
    {
        using var data = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        using var loaded = ModelStore.Load(SymbolsCheckpoint, data.C, data.L, "symbols");
        using var result = GlobalSaliencyPipeline.Run(loaded.Model, data, new PipelineOptions { Components = 3, GridSize = 20, Sigma = 1 });
        string dir = Path.Combine(Path.GetTempPath(), $"pipeline-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "summary.json"), "from an earlier run");
        try
        {
            PipelineOutputs.Save(result, dir);
            Assert.DoesNotContain("earlier", File.ReadAllText(Path.Combine(dir, "summary.json")));
            Assert.Equal(new long[] { 1100, 16 }, NpyReader.Read(Path.Combine(dir, "latents.npy")).Shape);
            Assert.Equal(new long[] { 1100, 60, 16 }, NpyReader.Read(Path.Combine(dir, "gradcam.npy")).Shape);
            Assert.Equal(new long[] { 1100, 60, 3 }, NpyReader.Read(Path.Combine(dir, "projections.npy")).Shape);
            var maps = NpyReader.Read(Path.Combine(dir, "maps_norm.npy"));
            Assert.Equal(new long[] { 3, 3, 20, 20 }, maps.Shape);
            Assert.Equal("<f4", maps.Descr);
            Assert.Equal(1f, maps.ToSingleArray().Max(), 5); // trajectory maps are divided by their max
            Assert.Equal(new long[] { 3, 20, 20 }, NpyReader.Read(Path.Combine(dir, "combined.npy")).Shape);
            Assert.Equal("[\n  \"(\",\n  \")\",\n  \"\\\\Omega\"\n]", File.ReadAllText(Path.Combine(dir, "labels.json")).ReplaceLineEndings("\n"));
            foreach (string json in new[] { "pca.json", "summary.json" }) Assert.True(new FileInfo(Path.Combine(dir, json)).Length > 50);
            Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(dir)!, $".{Path.GetFileName(dir)}.*"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_folder_holding_anything_a_run_does_not_write_or_the_current_directory_is_never_replaced()
    {
        using var data = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        using var loaded = ModelStore.Load(SymbolsCheckpoint, data.C, data.L, "symbols");
        using var result = GlobalSaliencyPipeline.Run(loaded.Model, data, new PipelineOptions { Components = 2, GridSize = 10 });
        string dir = Path.Combine(Path.GetTempPath(), $"pipeline-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "my_series.npy"), "the input data");
        File.WriteAllText(Path.Combine(dir, "latents.npy"), "an earlier run's");
        try
        {
            var e = Assert.Throws<IOException>(() => PipelineOutputs.Save(result, dir));
            Assert.Contains("my_series.npy", e.Message);
            Assert.DoesNotContain("latents.npy", e.Message);
            Assert.Equal(new[] { "latents.npy", "my_series.npy" }, Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order());
            Assert.Equal("the input data", File.ReadAllText(Path.Combine(dir, "my_series.npy")));
            Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(dir)!, $".{Path.GetFileName(dir)}.*"));

            foreach (string holdsCurrent in new[] { Environment.CurrentDirectory, Path.GetDirectoryName(Environment.CurrentDirectory)! })
            {
                var refused = Assert.Throws<ArgumentException>(() => PipelineOutputs.Save(result, holdsCurrent));
                Assert.Contains("current directory", refused.Message);
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Bad_settings_and_mismatched_models_are_refused_with_a_reason()
    {
        using var data = DatasetRegistry.Load("eog", TestData.DataDirectory);
        using var symbols = ModelStore.Load(SymbolsCheckpoint);
        var e = Assert.Throws<ArgumentException>(() => GlobalSaliencyPipeline.Run(symbols.Model, data));
        Assert.Contains("eog", e.Message);
        using var symbolData = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        e = Assert.Throws<ArgumentException>(() => GlobalSaliencyPipeline.Run(symbols.Model, symbolData, new PipelineOptions { Components = 17 }));
        Assert.Contains("components", e.Message);
        foreach (double sigma in new[] { double.NaN, -1, 1e12 })
        {
            e = Assert.Throws<ArgumentException>(() => GlobalSaliencyPipeline.Run(symbols.Model, symbolData, new PipelineOptions { Sigma = sigma }));
            Assert.Contains("--sigma must be a number between 0 and 1000", e.Message);
        }
        foreach (int grid in new[] { 1, 20000 })
        {
            e = Assert.Throws<ArgumentException>(() => GlobalSaliencyPipeline.Run(symbols.Model, symbolData, new PipelineOptions { GridSize = grid }));
            Assert.Contains("--grid must be between 2 and 2000", e.Message);
        }
    }
}
