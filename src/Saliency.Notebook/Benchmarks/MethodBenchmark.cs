using System.Diagnostics;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Benchmarks;

/// <summary>
/// One method's time over one dataset towards every latent dimension: the best and the median of <see cref="Repeats"/> timed calls of
/// <see cref="LatentExplainer.Attribute(Tensor, LatentTarget?, int?)"/> after a warm-up call, each call's wall seconds in <see cref="Seconds"/>
/// and its CPU seconds (user + system of the whole process, all threads) in <see cref="CpuSeconds"/>: on a shared machine the CPU time
/// is the less noisy measure, since time spent waiting for a core is not counted.
/// </summary>
public sealed record MethodBenchmarkResult(
    string Dataset, string Method, string Settings, string Device, int Samples, int Channels, int Length, int LatentDim, int Repeats,
    double BestSeconds, double MedianSeconds, IReadOnlyList<double> Seconds, double BestCpuSeconds, IReadOnlyList<double> CpuSeconds);

/// <summary>
/// Times the registry's methods (<see cref="MethodRegistry"/>) with their default settings over a whole dataset towards every latent
/// dimension, as <c>saliency explain</c> computes them, so that another implementation (tests/bench/methods_vs_pytorch.py) can be put
/// against them side by side. A benchmark, not a test: compare times measured side by side in one run.
/// </summary>
public static class MethodBenchmark
{
    /// <summary>
    /// Times <paramref name="method"/> of <paramref name="model"/> on x (N, C, L) (already on <paramref name="device"/>): one warm-up call,
    /// then <paramref name="repeats"/> timed calls. CSDA runs in float64 as <c>saliency explain</c> runs it (model and x converted, the
    /// model's own precision restored afterwards). With <paramref name="keepFirst"/> &gt; 0 the warm-up's attribution of the first
    /// <paramref name="keepFirst"/> samples comes back (its raw layout, e.g. (K, L, T) or (K, L, C, T), on the CPU; the caller disposes it),
    /// so the numbers can be compared with another implementation's.
    /// </summary>
    public static (MethodBenchmarkResult Result, Tensor? FirstValues) Run(ILatentEncoder model, SaliencyMethod method, Tensor x, string dataset,
        Device device, int repeats, int? batchSize = null, int keepFirst = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(x);
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), repeats, "repeats must be at least 1.");
        if (keepFirst < 0) throw new ArgumentOutOfRangeException(nameof(keepFirst), keepFirst, "keepFirst must not be negative.");
        bool complexStep = ReferenceEquals(method, MethodRegistry.ComplexStep);
        var ownType = model.Root.parameters().First().dtype;
        if (complexStep) model.Root.to(ScalarType.Float64);     // complex-step derivatives are exact only in double precision (as `saliency explain`)
        try
        {
            using var scope = torch.NewDisposeScope();
            var input = complexStep ? x.to(ScalarType.Float64) : x;
            var explainer = method.Create(model);
            Tensor? first = null;
            using (var warm = explainer.Attribute(input, batchSize: batchSize))
            {
                if (keepFirst > 0)
                    first = warm.Values.narrow(0, 0, Math.Min(keepFirst, warm.Values.shape[0])).detach().cpu().clone().MoveToOuterDisposeScope();
            }
            var seconds = new List<double>();
            var cpuSeconds = new List<double>();
            using var process = Process.GetCurrentProcess();
            string settings = explainer.Settings;
            for (int r = 0; r < repeats; r++)
            {
                Sync(device);
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                using (var attribution = explainer.Attribute(input, batchSize: batchSize)) Sync(device);
                seconds.Add(clock.Elapsed.TotalSeconds);
                process.Refresh();
                cpuSeconds.Add((process.TotalProcessorTime - cpuBefore).TotalSeconds);
            }
            var sorted = seconds.Order().ToArray();
            var result = new MethodBenchmarkResult(dataset, method.Name, settings, device.ToString(), (int)x.shape[0], (int)x.shape[1], (int)x.shape[2],
                model.LatentDim, repeats, sorted[0], sorted[sorted.Length / 2], seconds, cpuSeconds.Min(), cpuSeconds);
            return (result, first);
        }
        finally
        {
            if (complexStep) model.Root.to(ownType);
        }
    }

    private static void Sync(Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
    }
}
