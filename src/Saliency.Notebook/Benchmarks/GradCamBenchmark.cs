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
/// kit's path (the affine head's when it applies, set-up included) and by the general path (one backward pass per chunk), and the
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
    /// <summary>Time steps per chunk of the affine-head path on a CPU (256 series of 200 steps: the chunk's activations stay in the caches); CUDA takes the whole dataset.</summary>
    public const int CpuChunkSteps = 51200;

    /// <summary>
    /// Runs the benchmark of <paramref name="model"/> on <paramref name="data"/>, on <paramref name="device"/>, after a warm-up on the whole
    /// dataset; <paramref name="gradCamOnly"/> times the kit's path only (no general path, no pipeline).
    /// </summary>
    public static GradCamBenchmarkResult Run(ILatentEncoder model, string modelDescription, TimeSeriesDataset data, Device device,
        int repeats = 5, int? batchSize = null, bool gradCamOnly = false)
    {
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), "repeats must be at least 1.");
        var general = new GradCam();
        int rows = batchSize ?? LatentExplainer.DefaultBatchSizeFor(device);
        using var x = data.X.to(device);
        if (!gradCamOnly)
            using (var warm = general.Explain(model, x, LatentTarget.AllDimensions, rows)) { }
        using (var warm = Maps(model, x, device, out _)) { }
        var fast = new List<double>();
        var slow = new List<double>();
        string path = "";
        for (int r = 0; r < repeats; r++)
        {
            Sync(device);
            var clock = Stopwatch.StartNew();
            using (var maps = Maps(model, x, device, out path)) Sync(device);
            fast.Add(clock.Elapsed.TotalSeconds);
            if (gradCamOnly) continue;
            clock.Restart();
            using (var maps = general.Explain(model, x, LatentTarget.AllDimensions, rows)) Sync(device);
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

    /// <summary>
    /// |GradCAM| (N, L, D) of x (N, C, L) by the kit's fastest exact path, set-up included: the affine head's (∂z/∂A once, then one forward
    /// pass per chunk of <see cref="CpuChunkSteps"/> time steps on a CPU) when the head after the layer is affine, else the general path.
    /// </summary>
    public static Tensor Maps(ILatentEncoder model, Tensor x, Device device, out string path)
    {
        using var affine = AffineHeadGradCam.TryCreate(model);
        if (affine is null)
        {
            path = "general";
            using var attribution = new GradCam().Explain(model, x, LatentTarget.AllDimensions, LatentExplainer.DefaultBatchSizeFor(device));
            return attribution.Values.alias();
        }
        path = "affine head";
        long n = x.shape[0], chunk = device.type == DeviceType.CUDA ? n : Math.Max(1, CpuChunkSteps / model.Length);
        if (chunk >= n) return affine.Maps(x);
        var result = empty(n, model.Length, model.LatentDim, dtype: x.dtype, device: x.device);
        for (long first = 0; first < n; first += chunk)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(chunk, n - first);
            result.narrow(0, first, count).copy_(affine.Maps(x.narrow(0, first, count)));
        }
        return result;
    }

    private static void Sync(Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
    }
}
