using System.Diagnostics;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Benchmarks;

/// <summary>
/// One dataset's GradCAM throughput: |GradCAM| of the whole dataset towards all latent dims, best and median of several runs, by the
/// kit's path (the affine head's when it applies, set-up included) and by the general path (one forward pass per chunk, one backward pass per target), and the
/// whole streaming pipeline's time (the last two null when only the kit's path was measured).
/// </summary>
public sealed record GradCamBenchmarkResult(
    string Dataset, string Device, string Model, int Samples, int Length, int LatentDim, int Repeats, string Path,
    double BestSeconds, double MedianSeconds, double? GeneralBestSeconds, double? GeneralMedianSeconds, double? PipelineSeconds)
{
    /// <summary>Samples per second of the best run (all latent dims of each sample).</summary>
    public double SamplesPerSecond => Samples / BestSeconds;
}

/// <summary>
/// Measures |GradCAM| towards every latent dimension over a whole dataset (the paper's most expensive step) and the whole
/// pipeline, after a warm-up, synchronising CUDA before each clock read. A benchmark, not a test: compare ratios measured side by
/// side in one run.
/// </summary>
public static class GradCamBenchmark
{
    /// <summary>
    /// Runs the benchmark of <paramref name="model"/> on <paramref name="data"/>, on <paramref name="device"/>, after a warm-up on the whole
    /// dataset; <paramref name="gradCamOnly"/> times the kit's path only (no general path, no pipeline).
    /// </summary>
    public static GradCamBenchmarkResult Run(ILatentEncoder model, string modelDescription, TimeSeriesDataset data, Device device,
        int repeats = 5, int? batchSize = null, bool gradCamOnly = false)
    {
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), "repeats must be at least 1.");
        var kit = new GradCam(model);
        var general = new GradCam(model) { TryAffineHead = false };
        int rows = batchSize ?? LatentExplainer.DefaultBatchSizeFor(device);
        using var x = data.X.to(device);
        if (!gradCamOnly)
            using (var warm = general.Attribute(x, batchSize: rows)) { }
        using (var warm = kit.Attribute(x)) { }
        var fast = new List<double>();
        var slow = new List<double>();
        string path = "";
        for (int r = 0; r < repeats; r++)
        {
            Sync(device);
            var clock = Stopwatch.StartNew();
            using (var maps = kit.Attribute(x))
            {
                Sync(device);
                path = maps.Route == GradCam.AffineRoute ? "affine head" : "general";
            }
            fast.Add(clock.Elapsed.TotalSeconds);
            if (gradCamOnly) continue;
            clock.Restart();
            using (var maps = general.Attribute(x, batchSize: rows)) Sync(device);
            slow.Add(clock.Elapsed.TotalSeconds);
        }
        fast.Sort();
        slow.Sort();
        double? pipelineSeconds = null;
        if (!gradCamOnly)
        {
            var pipeline = Stopwatch.StartNew();
            StreamingGlobalSaliency.Run(model, ChunkedSeries.From(data), new PipelineOptions { BatchSize = batchSize }, device);
            Sync(device);
            pipelineSeconds = pipeline.Elapsed.TotalSeconds;
        }
        return new GradCamBenchmarkResult(data.Info.Name, device.ToString(), modelDescription, data.N, data.L, model.LatentDim, repeats, path,
            fast[0], fast[fast.Count / 2], gradCamOnly ? null : slow[0], gradCamOnly ? null : slow[slow.Count / 2], pipelineSeconds);
    }

    private static void Sync(Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
    }
}
