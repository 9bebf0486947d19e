using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.IO;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.Tests.Explainers;
using Saliency.Notebook.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Pipeline;

/// <summary>The streaming pipeline (two passes, chunk by chunk) against the in-memory one on the paper's data and checkpoints.</summary>
public class StreamingGlobalSaliencyTests
{
    /// <summary>Max |a − b| over a (label, component) map relative to that map's largest |value|, the worst over all maps.</summary>
    private static double WorstRelative(double[,,,] expected, double[,,,] actual)
    {
        double worst = 0;
        for (int l = 0; l < expected.GetLength(0); l++)
            for (int c = 0; c < expected.GetLength(1); c++)
            {
                double max = 0, difference = 0;
                for (int i = 0; i < expected.GetLength(2); i++)
                    for (int j = 0; j < expected.GetLength(3); j++)
                    {
                        max = Math.Max(max, Math.Abs(expected[l, c, i, j]));
                        difference = Math.Max(difference, Math.Abs(expected[l, c, i, j] - actual[l, c, i, j]));
                    }
                if (max > 0) worst = Math.Max(worst, difference / max);
            }
        return worst;
    }

    [Theory]
    [InlineData("symbols", 100)]
    [InlineData("eog", 333)]
    public void Streaming_maps_equal_the_in_memory_pipeline_on_the_papers_data(string name, int chunkSize)
    {
        using var data = DatasetRegistry.Load(name, TestData.DataDirectory);
        using var loaded = ModelStore.Load(OriginalFiles.Checkpoint(name), data.C, data.L, name);
        using var expected = GlobalSaliencyPipeline.Run(loaded.Model, data);
        var latents = new List<Tensor>();
        var gradCams = new List<Tensor>();
        var sinks = new StreamingSinks(z => latents.Add(z.clone().DetachFromDisposeScope()), g => gradCams.Add(g.cpu().clone().DetachFromDisposeScope()));
        var streamed = StreamingGlobalSaliency.Run(loaded.Model, ChunkedSeries.From(data, chunkSize), sinks: sinks);
        try
        {
            Assert.Equal(GradCamPath.AffineHead, streamed.GradCamPath);
            Assert.Equal(data.N, streamed.Samples);
            Assert.Equal(expected.Variant, streamed.Variant);
            Assert.Equal(expected.Maps.Labels, streamed.Maps.Labels);
            Assert.Equal(expected.Maps.FirstAxisEdges, streamed.Maps.FirstAxisEdges);
            Assert.Equal(expected.Maps.SecondAxisEdges, streamed.Maps.SecondAxisEdges);
            for (int k = 0; k < 2; k++)
            {
                Assert.Equal(expected.Pca.ExplainedVarianceRatio[k], streamed.Pca.ExplainedVarianceRatio[k], 9);
                for (int d = 0; d < streamed.LatentDim; d++) Assert.Equal(expected.Pca.Components[k, d], streamed.Pca.Components[k, d], 8);
            }
            double raw = WorstRelative(expected.Maps.Raw, streamed.Maps.Raw), normalised = WorstRelative(expected.Maps.Normalised, streamed.Maps.Normalised);
            Assert.True(raw <= 1e-6 && normalised <= 1e-6, $"{name}: maps differ by {raw} (raw) and {normalised} (normalised) relative");
            using var allLatents = cat(latents, 0);
            using var allGradCam = cat(gradCams, 0);
            Assert.True(allLatents.allclose(expected.Latents, rtol: 0, atol: 0));
            double scale = expected.GradCam.abs().max().item<float>();
            Assert.True((allGradCam - expected.GradCam).abs().max().item<float>() <= 1e-6 * scale);
        }
        finally
        {
            foreach (var t in latents.Concat(gradCams)) t.Dispose();
        }
    }

    [Fact]
    public void A_head_that_is_not_affine_takes_the_general_path_with_the_same_maps()
    {
        using var scope = NewDisposeScope();
        var model = TestEncoder.RandomConv(2, 12, 3, pool: 3);                           // hooked at encoder.0: a ReLU follows
        model.to(ScalarType.Float32);
        var generator = new Generator(5);
        var values = randn(40, 12, 2, generator: generator);
        var flat = values.data<float>().ToArray();
        var array = new float[40, 12, 2];
        Buffer.BlockCopy(flat, 0, array, 0, flat.Length * sizeof(float));
        using var data = TimeSeriesDataset.FromArrays(array, Enumerable.Range(0, 40).Select(i => i % 3).ToArray());
        var options = new PipelineOptions { Layer = "encoder.0", GridSize = 10, Sigma = 1, Variant = MapVariant.Trajectories };
        using var expected = GlobalSaliencyPipeline.Run(model, data, options);
        var streamed = StreamingGlobalSaliency.Run(model, ChunkedSeries.From(data, 7), options);
        Assert.Equal(GradCamPath.General, streamed.GradCamPath);
        Assert.Null(streamed.AffineResidual);
        Assert.True(WorstRelative(expected.Maps.Normalised, streamed.Maps.Normalised) <= 1e-6);
    }

    [Fact]
    public void Twelve_integer_classes_are_listed_in_numeric_order_by_both_pipelines()
    {
        using var scope = NewDisposeScope();
        var model = TestEncoder.RandomConv(2, 12, 3, pool: 3);
        model.to(ScalarType.Float32);
        var generator = new Generator(6);
        var values = randn(48, 12, 2, generator: generator);
        var array = new float[48, 12, 2];
        Buffer.BlockCopy(values.data<float>().ToArray(), 0, array, 0, 48 * 12 * 2 * sizeof(float));
        using var data = TimeSeriesDataset.FromArrays(array, Enumerable.Range(0, 48).Select(i => i % 12).ToArray());
        var options = new PipelineOptions { Layer = "encoder.2", GridSize = 10, Sigma = 1 };
        string[] numeric = Enumerable.Range(0, 12).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        using var inMemory = GlobalSaliencyPipeline.Run(model, data, options);
        var streamed = StreamingGlobalSaliency.Run(model, ChunkedSeries.From(data, 10), options);

        Assert.Equal(numeric, data.ClassNames);
        Assert.Equal(numeric, inMemory.Maps.Labels);
        Assert.Equal(numeric, streamed.Maps.Labels);
        Assert.True(WorstRelative(inMemory.Maps.Normalised, streamed.Maps.Normalised) <= 1e-6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_sample_whose_latent_overflows_is_named_by_its_index_in_the_whole_dataset(bool affineHead)
    {
        // Finite float32 data whose sample 9 (in the third chunk of 4) overflows to ∞ in the first convolution (all weights 1:
        // at least 4 taps of 1e38 each), and so gives a non-finite latent.
        using var scope = NewDisposeScope();
        var model = TestEncoder.RandomConv(2, 12, 3, pool: 3);
        model.to(ScalarType.Float32);
        using (no_grad()) model.named_parameters().First(p => p.name.EndsWith("0.weight")).parameter.fill_(1);
        var array = new float[16, 12, 2];
        for (int t = 0; t < 12; t++)
            for (int c = 0; c < 2; c++)
            {
                for (int n = 0; n < 16; n++) array[n, t, c] = MathF.Sin(n + t + c);
                array[9, t, c] = 1e38f;
            }
        using var data = TimeSeriesDataset.FromArrays(array, Enumerable.Range(0, 16).Select(i => i % 2).ToArray());
        var options = new PipelineOptions { Layer = affineHead ? "encoder.2" : "encoder.0", GridSize = 10, Sigma = 1 };

        var error = Assert.Throws<InvalidOperationException>(() => StreamingGlobalSaliency.Run(model, ChunkedSeries.From(data, 4), options));
        Assert.Contains("sample 9 ", error.Message);
    }

    [Fact]
    public void Outputs_are_streamed_into_a_staging_folder_and_gradcam_is_written_only_when_asked()
    {
        using var data = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        using var loaded = ModelStore.Load(OriginalFiles.Checkpoint("symbols"), data.C, data.L, "symbols");
        using var expected = GlobalSaliencyPipeline.Run(loaded.Model, data, new PipelineOptions { GridSize = 20, Sigma = 1 });
        string dir = Path.Combine(Path.GetTempPath(), $"streaming-{Guid.NewGuid():N}");
        string parent = Path.GetDirectoryName(dir)!;
        // A staging folder of a killed run (a pid that does not exist) is cleared by the next run.
        string stale = Path.Combine(parent, $"{Path.GetFileName(dir)}.staging-999999999-0badc0de");   // above any pid_max: a killed run's
        Directory.CreateDirectory(stale);
        try
        {
            var options = new PipelineOptions { GridSize = 20, Sigma = 1 };
            PipelineOutputs.SaveStreaming(loaded.Model, ChunkedSeries.From(data, 256), dir, options);
            Assert.Equal(["combined.npy", "labels.json", "latents.npy", "maps.npy", "maps_norm.npy", "pca.json", "summary.json"],
                Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.False(Directory.Exists(stale));
            Assert.Equal(new long[] { 1100, 16 }, NpyReader.Read(Path.Combine(dir, "latents.npy")).Shape);
            Assert.Contains("\"gradcam_path\": \"affine-head\"", File.ReadAllText(Path.Combine(dir, "summary.json")));

            PipelineOutputs.SaveStreaming(loaded.Model, ChunkedSeries.From(data, 256), dir, options, writeGradCam: true, writeProjections: true);
            var gradCam = NpyReader.Read(Path.Combine(dir, "gradcam.npy"));
            Assert.Equal(new long[] { 1100, 60, 16 }, gradCam.Shape);
            using var written = tensor(gradCam.ToSingleArray()).view(1100, 60, 16);
            Assert.True((written - expected.GradCam).abs().max().item<float>() <= 1e-6 * expected.GradCam.abs().max().item<float>());
            Assert.Equal(new long[] { 1100, 60, 2 }, NpyReader.Read(Path.Combine(dir, "projections.npy")).Shape);
            var maps = NpyReader.Read(Path.Combine(dir, "maps_norm.npy")).ToSingleArray();
            var expectedMaps = expected.Maps.Normalised.Cast<double>().Select(v => (float)v).ToArray();
            Assert.True(maps.Zip(expectedMaps, (a, b) => Math.Abs(a - b)).Max() <= 1e-6f);

            // A cancelled run leaves the previous folder as it was and no staging folder.
            using var cancelled = new CancellationTokenSource();
            var progress = new SynchronousProgress<StreamingProgress>(p => { if (p.Pass == "maps") cancelled.Cancel(); });
            Assert.Throws<OperationCanceledException>(() => PipelineOutputs.SaveStreaming(loaded.Model, ChunkedSeries.From(data, 256), dir, options,
                writeGradCam: true, progress: progress, cancellation: cancelled.Token));
            Assert.True(File.Exists(Path.Combine(dir, "gradcam.npy")));
            Assert.Empty(Directory.GetDirectories(parent, $"{Path.GetFileName(dir)}.staging-*").Concat(Directory.GetDirectories(parent, $"{Path.GetFileName(dir)}.old-*")));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            if (Directory.Exists(stale)) Directory.Delete(stale, recursive: true);
        }
    }
}
