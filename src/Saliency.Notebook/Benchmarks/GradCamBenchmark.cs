using System.Diagnostics;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Benchmarks;

/// <summary>One dataset's GradCAM throughput: the whole dataset towards all latent dims, best and median of several runs.</summary>
public sealed record GradCamBenchmarkResult(
    string Dataset, string Device, string Model, int Samples, int Length, int LatentDim, int Repeats,
    double BestSeconds, double MedianSeconds, double PipelineSeconds)
{
    /// <summary>Samples per second of the best run (all latent dims of each sample).</summary>
    public double SamplesPerSecond => Samples / BestSeconds;
}

/// <summary>
/// Measures |GradCAM| towards every latent dimension over a whole dataset (the paper's most expensive step) and the
/// whole pipeline, after a warm-up, synchronising CUDA before each clock read. A benchmark, not a test: compare
/// ratios measured side by side in one run.
/// </summary>
public static class GradCamBenchmark
{
    /// <summary>Runs the benchmark of <paramref name="model"/> on <paramref name="data"/>, on <paramref name="device"/>.</summary>
    public static GradCamBenchmarkResult Run(ILatentEncoder model, string modelDescription, TimeSeriesDataset data, Device device,
        int repeats = 5, int? batchSize = null)
    {
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), "repeats must be at least 1.");
        var explainer = new GradCam();
        int rows = batchSize ?? LatentExplainer.DefaultBatchSizeFor(device);
        using var x = data.X.to(device);
        using (var warm = explainer.Explain(model, x.narrow(0, 0, Math.Min(8, data.N)), LatentTarget.AllDimensions, rows)) { }
        var times = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            Sync(device);
            var clock = Stopwatch.StartNew();
            using (var maps = explainer.Explain(model, x, LatentTarget.AllDimensions, rows)) Sync(device);
            times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        var pipeline = Stopwatch.StartNew();
        using (GlobalSaliencyPipeline.Run(model, data, new PipelineOptions { BatchSize = batchSize }, device)) Sync(device);
        return new GradCamBenchmarkResult(data.Info.Name, device.ToString(), modelDescription, data.N, data.L, model.LatentDim, repeats,
            times[0], times[times.Count / 2], pipeline.Elapsed.TotalSeconds);
    }

    private static void Sync(Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
    }
}
