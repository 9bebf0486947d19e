using Saliency.Notebook.Benchmarks;
using Saliency.Notebook.Native;
using Saliency.Notebook.Pipeline;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Benchmarks;

/// <summary>The scale benchmark's synthetic source and one small run (no timing is checked).</summary>
public class ScaleBenchmarkTests
{
    [Fact]
    public void Synthetic_series_are_the_same_on_every_pass_and_chunked_as_asked()
    {
        var source = new SyntheticSeries(300, chunkSize: 128, seed: 4);
        var first = source.Chunks().Select(c => (c.X, c.Labels)).ToList();
        var second = source.Chunks().Select(c => (c.X, c.Labels)).ToList();
        Assert.Equal(new long[] { 128, 128, 44 }, first.Select(c => c.X.shape[0]));
        for (int i = 0; i < first.Count; i++)
        {
            Assert.Equal(new long[] { first[i].X.shape[0], 2, 200 }, first[i].X.shape);
            Assert.True(first[i].X.allclose(second[i].X, rtol: 0, atol: 0));
            Assert.Equal(first[i].Labels, second[i].Labels);
            Assert.True(first[i].X.abs().max().item<float>() <= 1);
        }
        Assert.Equal(4, first.SelectMany(c => c.Labels).Distinct().Count());
        Assert.False(first[0].X.allclose(new SyntheticSeries(300, chunkSize: 128, seed: 5).Chunks().First().X));
        foreach (var (x, _) in first.Concat(second)) x.Dispose();
    }

    [Fact]
    public void A_small_run_goes_through_the_whole_pipeline_on_the_affine_head_path()
    {
        var result = ScaleBenchmark.Run(600, CPU, chunkSize: 256);
        Assert.Equal(600, result.Samples);
        Assert.Equal("affine head", result.Path);
        Assert.True(result.PeakBytes >= result.WarmPeakBytes && result.WarmPeakBytes > 0);
        // Timing values are the benchmark's output, not the test's: only that every part was filled in (finite, not negative)
        // and that the throughput is N over the measured wall time; how the clock readings compare is not asserted.
        var t = result.Timings;
        Assert.All(new[] { result.Seconds, t.EncodeSeconds, t.PcaSeconds, t.GradCamSeconds, t.ProjectionSeconds, t.BinningSeconds, t.FinishSeconds },
            seconds => Assert.True(double.IsFinite(seconds) && seconds >= 0));
        Assert.Equal(result.Samples / result.Seconds, result.SamplesPerSecond);
    }

    [Fact]
    public void The_peak_resident_memory_is_reset_so_one_process_measures_each_N_on_its_own()
    {
        Assert.True(File.Exists("/proc/self/clear_refs"), "the scale benchmark measures peak memory through Linux's /proc");
        using (var big = ones(64L << 20, dtype: ScalarType.Float32)) big.sum().Dispose();   // 256 MiB touched, then freed
        long peak = ScaleBenchmark.ResidentPeakBytes();
        NativeAllocator.Trim();
        ScaleBenchmark.ResetResidentPeak();
        long reset = ScaleBenchmark.ResidentPeakBytes();
        Assert.True(reset <= peak - (128L << 20), $"peak {peak >> 20} MiB before the reset, {reset >> 20} MiB after");
    }
}
