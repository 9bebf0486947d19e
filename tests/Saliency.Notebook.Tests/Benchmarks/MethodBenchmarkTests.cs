using Saliency.Notebook.Benchmarks;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Tests.Explainers;
using Saliency.Notebook.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Benchmarks;

/// <summary>The methods benchmark times what it says and hands back the first series' attribution for the comparison with PyTorch.</summary>
[Collection(GlobalTorchRandomness.Name)]
public class MethodBenchmarkTests
{
    [Fact]
    public void It_keeps_every_timed_call_and_the_first_series_attribution_as_the_method_gives_it()
    {
        using var model = TestEncoder.RandomConv(2, 12, latentDim: 3, dtype: ScalarType.Float32);
        using var x = torch.randn(5, 2, 12);
        var (result, first) = MethodBenchmark.Run(model, MethodRegistry.Gradient, x, "test", CPU, repeats: 2, keepFirst: 4);
        using (first)
        {
            Assert.Equal(("gradient", 5, 2, 12, 3, 2), (result.Method, result.Samples, result.Channels, result.Length, result.LatentDim, result.Seconds.Count));
            Assert.True(result.BestSeconds <= result.MedianSeconds);
            Assert.Equal(2, result.CpuSeconds.Count);
            Assert.Equal(new long[] { 4, 12, 2, 3 }, first!.shape);
            // The kept values are the method's own attribution of those series, as a direct call gives it.
            using var direct = MethodRegistry.Gradient.Create(model).Attribute(x);
            using var expected = direct.Values.narrow(0, 0, 4);
            Assert.True(torch.allclose(first, expected, rtol: 1e-6, atol: 1e-7), "the benchmark kept other numbers than the method gives");
        }
    }

    [Fact]
    public void Csda_runs_in_float64_and_gives_the_model_back_in_its_own_precision()
    {
        using var model = TestEncoder.RandomConv(1, 12, latentDim: 2, dtype: ScalarType.Float32);
        using var x = torch.randn(3, 1, 12);
        var (result, first) = MethodBenchmark.Run(model, MethodRegistry.ComplexStep, x, "test", CPU, repeats: 1, keepFirst: 2);
        using (first)
        {
            Assert.Equal(ScalarType.Float64, first!.dtype);
            Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
            Assert.Equal("csda", result.Method);
        }
    }
}
