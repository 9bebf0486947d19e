using System.Diagnostics;
using System.Globalization;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Models;
using Saliency.Notebook.Native;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Benchmarks;

/// <summary>
/// Synthetic series in the shape of the aircraft data (C channels × L steps, four route labels), generated chunk by chunk from a seed: chunk
/// i is drawn from its own generator (seed + i), so every pass gives the same series and no pass ever holds more than one chunk. Series
/// of route r are a sine of a random amplitude, frequency and phase per channel around a random offset, plus a route-dependent slope
/// (a few random numbers per series, so generating costs little next to the model).
/// </summary>
public sealed class SyntheticSeries : IChunkedSeries
{
    private static readonly string[] Routes = ["East", "Flyover", "South", "West"];
    private readonly long _count;
    private readonly int _chunkSize;
    private readonly long _seed;

    /// <summary><paramref name="count"/> series of <paramref name="channels"/> × <paramref name="length"/>, in chunks of <paramref name="chunkSize"/>.</summary>
    public SyntheticSeries(long count, int channels = 2, int length = 200, int chunkSize = ChunkedSeries.DefaultChunkSize, long seed = 0)
    {
        if (count < 1 || channels < 1 || length < 1 || chunkSize < 1) throw new ArgumentException("count, channels, length and chunkSize must be positive.");
        _count = count;
        _chunkSize = chunkSize;
        _seed = seed;
        Channels = channels;
        Length = length;
    }

    /// <inheritdoc/>
    public string Name => string.Create(CultureInfo.InvariantCulture, $"synthetic-{_count}");

    /// <inheritdoc/>
    public int Channels { get; }

    /// <inheritdoc/>
    public int Length { get; }

    /// <inheritdoc/>
    public PlotKind PlotKind => PlotKind.Trajectory;

    /// <inheritdoc/>
    public long? Count => _count;

    /// <inheritdoc/>
    public IEnumerable<SeriesChunk> Chunks()
    {
        long index = 0;
        for (long first = 0; first < _count; first += _chunkSize, index++)
        {
            int count = (int)Math.Min(_chunkSize, _count - first);
            using var scope = NewDisposeScope();
            using var generator = new Generator((ulong)(_seed + index));
            var routes = randint(0, Routes.Length, new long[] { count }, generator: generator);
            var parameters = rand(count, Channels, 4, generator: generator);       // amplitude, frequency, phase, offset
            var time = linspace(0, 1, Length).view(1, 1, Length);
            var amplitude = parameters.narrow(2, 0, 1).mul(0.4f);
            var frequency = parameters.narrow(2, 1, 1).mul(4 * MathF.PI).add(MathF.PI);
            var phase = parameters.narrow(2, 2, 1).mul(2 * MathF.PI);
            var offset = parameters.narrow(2, 3, 1).mul(0.8f).sub(0.4f);
            var slope = routes.to(ScalarType.Float32).sub(1.5f).mul(0.2f).view(count, 1, 1);
            var series = (frequency * time + phase).sin_().mul_(amplitude).add_(offset).add_(slope * time).clamp_(-1, 1);
            var labels = routes.data<long>().ToArray();
            yield return new SeriesChunk(series.DetachFromDisposeScope(), labels.Select(r => Routes[r]).ToArray());
        }
    }
}

/// <summary>One N of <c>saliency bench --scale</c>: time, throughput and resident memory of the whole streaming pipeline.</summary>
/// <param name="Samples">N.</param>
/// <param name="Seconds">Wall time of both passes and the maps.</param>
/// <param name="WarmPeakBytes">Peak resident memory (VmHWM) after the model was built and a two-chunk warm-up run finished: the fixed cost.</param>
/// <param name="PeakBytes">Peak resident memory (VmHWM) of the process after the run over N.</param>
/// <param name="Timings">Time per part.</param>
/// <param name="Path">How |GradCAM| was computed.</param>
/// <param name="Device">The device.</param>
public sealed record ScaleBenchmarkResult(long Samples, double Seconds, long WarmPeakBytes, long PeakBytes, PipelineTimings Timings, string Path, string Device)
{
    /// <summary>Samples per second.</summary>
    public double SamplesPerSecond => Samples / Seconds;
}

/// <summary>
/// The whole streaming pipeline on <see cref="SyntheticSeries"/> (L = 200, C = 2) through the aircraft-flyover architecture (D = 64, the
/// kit's preset, untrained weights from a fixed seed). Peak resident memory is the process's high-water mark (VmHWM), reset at the
/// start of each run (Linux's clear_refs), so one process can run several N and each N's peak is its own.
/// </summary>
public static class ScaleBenchmark
{
    /// <summary>Runs N = <paramref name="samples"/> on <paramref name="device"/>; <paramref name="progress"/> gets every chunk's progress.</summary>
    public static ScaleBenchmarkResult Run(long samples, Device device, int chunkSize = ChunkedSeries.DefaultChunkSize,
        IProgress<StreamingProgress>? progress = null, CancellationToken cancellation = default)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        NativeAllocator.Trim();
        ResetResidentPeak();
        manual_seed(0);
        using var model = new CVAE(TrainingPresets.For("aircraft-flyover", 2, 200).Config);
        model.to(device).eval();
        StreamingGlobalSaliency.Run(model, new SyntheticSeries(2L * chunkSize, chunkSize: chunkSize, seed: 1), device: device, cancellation: cancellation);
        long warmPeak = ResidentPeakBytes();
        var clock = Stopwatch.StartNew();
        var result = StreamingGlobalSaliency.Run(model, new SyntheticSeries(samples, chunkSize: chunkSize), device: device, progress: progress, cancellation: cancellation);
        double seconds = clock.Elapsed.TotalSeconds;
        return new ScaleBenchmarkResult(samples, seconds, warmPeak, ResidentPeakBytes(), result.Timings,
            result.GradCamPath == GradCamPath.AffineHead ? "affine head" : "general", device.ToString());
    }

    /// <summary>Resets this process's peak resident set size to its current size (writes 5 to /proc/self/clear_refs); nothing where there is no /proc.</summary>
    public static void ResetResidentPeak()
    {
        const string path = "/proc/self/clear_refs";
        if (File.Exists(path)) File.WriteAllText(path, "5");
    }

    /// <summary>This process's peak resident set size so far (VmHWM of /proc/self/status), in bytes; 0 where there is no /proc.</summary>
    public static long ResidentPeakBytes()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return 0;
        foreach (string line in File.ReadLines(path))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        return 0;
    }
}
