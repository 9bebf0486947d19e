using Saliency.Notebook.Benchmarks;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Evaluation;
using Saliency.Notebook.Tests.Explainers;
using Saliency.Notebook.Tests.Training;

namespace Saliency.Notebook.Tests.Benchmarks;

/// <summary>The benchmark's two paths compute the same metrics: the batched evaluation equals the per-sample loop on the same draws.</summary>
[Collection(GlobalTorchRandomness.Name)]
public class EvaluationBenchmarkTests
{
    /// <summary>A loud imputation noise (0.5), so that a point filled with another draw than the batched path's would show.</summary>
    [Fact]
    public void The_batched_metrics_equal_the_per_sample_loops()
    {
        var random = new Random(2);
        var values = new float[6, 12, 1];
        for (int i = 0; i < 6; i++)
            for (int t = 0; t < 12; t++) values[i, t, 0] = (float)(Math.Sin(0.5 * t + i) + 0.1 * random.NextDouble());
        using var data = TimeSeriesDataset.FromArrays(values, Enumerable.Repeat("a", 6).ToArray());
        using var model = TestEncoder.RandomConv(1, 12, latentDim: 3, dtype: TorchSharp.torch.ScalarType.Float32);
        var result = EvaluationBenchmark.Run(model, data, new EvaluationOptions { Methods = ["gradient", "fourier-ig"], SensitivityPerturbations = 2, Fill = RemovalFill.NoisyLinear(0.5) }, samples: 6);
        Assert.All(result.Rows, r => Assert.True(r.MaxDifference < 1e-6, $"{r.Method}: {r.WorstMetric} differs by {r.MaxDifference}"));
    }
}
