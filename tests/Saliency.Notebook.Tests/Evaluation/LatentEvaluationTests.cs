using System.Text.Json;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Evaluation;
using Saliency.Notebook.Tests.Training;
using Saliency.Notebook.Tests.Explainers;

namespace Saliency.Notebook.Tests.Evaluation;

/// <summary>The whole evaluation on a small convolutional encoder: its table and file, what the random row shows, and bad input.</summary>
[Collection(GlobalTorchRandomness.Name)]
public class LatentEvaluationTests
{
    private const int Count = 24, Channels = 2, Length = 16;

    private static TimeSeriesDataset Data()
    {
        var random = new Random(3);
        var values = new float[Count, Length, Channels];
        for (int i = 0; i < Count; i++)
            for (int t = 0; t < Length; t++)
                for (int c = 0; c < Channels; c++) values[i, t, c] = (float)(Math.Sin(0.4 * t + i) * (c + 1) + 0.1 * random.NextDouble());
        return TimeSeriesDataset.FromArrays(values, Enumerable.Range(0, Count).Select(i => i % 2 == 0 ? "a" : "b").ToArray(), new DatasetDescription { Name = "small" });
    }

    private static EvaluationOptions Fast => new() { Methods = ["gradient", "fourier-ig"], Resamples = 50, SensitivityPerturbations = 3, Settings = Saliency.Notebook.Explainers.MethodSettings.Default with { Steps = 4 } };

    [Fact]
    public void The_table_has_a_row_per_method_and_random_with_every_metric_and_its_spread_and_the_file_holds_them()
    {
        using var data = Data();
        using var model = TestEncoder.RandomConv(Channels, Length, latentDim: 4, dtype: TorchSharp.torch.ScalarType.Float32);
        var result = LatentEvaluation.Run(model, data, Fast);
        Assert.Equal(new[] { "gradient", "fourier-ig", "random" }, result.Rows.Select(r => r.Method));
        Assert.Equal(new[] { "deletion_auc", "insertion_auc", "max_sensitivity", "randomisation_distance" }, result.MetricKeys);
        foreach (var row in result.Rows)
            foreach (var key in result.MetricKeys)
            {
                var e = row.Metrics[key]!.Value;
                Assert.True(double.IsFinite(e.Value) && e.Low <= e.High, $"{row.Method} {key}: {e}");
            }
        // The curves run from nothing moved to the fully imputed series' displacement, and back.
        foreach (var curve in result.Curves)
        {
            Assert.Equal((0.0, 1.0), (curve.Deletion[0], curve.Deletion[^1]));
            Assert.Equal((1.0, 0.0), (curve.Insertion[0], curve.Insertion[^1]));
        }
        Assert.Equal(AttributionMetrics.RemovalCounts(Length / 2 + 1, 10).Select(k => k / 9.0), result.Curves.Single(c => c.Method == "fourier-ig").Fractions);   // over the 9 rfft bins

        string dir = Directory.CreateTempSubdirectory("evaluation-").FullName;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(result.Save(dir)));
            var rows = json.RootElement.GetProperty("rows");
            Assert.Equal(3, rows.GetArrayLength());
            var gradient = rows[0];
            Assert.Equal("gradient", gradient.GetProperty("method").GetString());
            Assert.Equal(result["gradient"][EvaluationMetrics.DeletionAuc], gradient.GetProperty("deletion_auc").GetDouble());
            Assert.Equal(2, gradient.GetProperty("deletion_auc_ci").GetArrayLength());
            Assert.Equal(42, json.RootElement.GetProperty("seeds").GetProperty("seed").GetInt64());
            Assert.Equal("lower", json.RootElement.GetProperty("metrics").GetProperty("insertion_auc").GetProperty("better").GetString());
            Assert.Equal(0.01, json.RootElement.GetProperty("settings").GetProperty("imputation_noise").GetDouble());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void The_same_seed_gives_the_same_table_and_the_random_rows_maps_are_uncorrelated_with_themselves()
    {
        using var data = Data();
        using var model = TestEncoder.RandomConv(Channels, Length, latentDim: 4, dtype: TorchSharp.torch.ScalarType.Float32);
        var options = Fast with { Methods = ["gradient"], Target = "dim:1" };
        var first = LatentEvaluation.Run(model, data, options);
        var second = LatentEvaluation.Run(model, data, options);
        foreach (var (a, b) in first.Rows.Zip(second.Rows))
            Assert.Equal(a.Metrics.OrderBy(m => m.Key), b.Metrics.OrderBy(m => m.Key));
        Assert.Equal("z1", first.Target);
        // Two independent random draws: Spearman ≈ 0, so the distance is ≈ 1 (within a few standard errors of 1/√(L − 1)).
        Assert.InRange(first[LatentEvaluation.RandomMethod][EvaluationMetrics.RandomisationDistance], 0.8, 1.2);
    }

    [Fact]
    public void Bad_input_is_an_error_that_says_what_is_wrong()
    {
        using var data = Data();
        using var model = TestEncoder.RandomConv(Channels, Length, latentDim: 4, dtype: TorchSharp.torch.ScalarType.Float32);
        Assert.Contains("gradcam", Assert.ThrowsAny<ArgumentException>(() => LatentEvaluation.Run(model, data, Fast with { Methods = ["nope"] })).Message);
        Assert.Contains("dim:K", Assert.Throws<ArgumentException>(() => LatentEvaluation.Run(model, data, Fast with { Target = "pc0" })).Message);
        Assert.Contains("dim:0..dim:3", Assert.Throws<ArgumentException>(() => LatentEvaluation.Run(model, data, Fast with { Target = "dim:4" })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LatentEvaluation.Run(model, data, Fast with { FractionSteps = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatentEvaluation.Run(model, data, Fast with { SensitivityRadius = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => RemovalFill.NoisyLinear(double.NaN));
        Assert.Contains("(N, L)", Assert.Throws<ArgumentException>(() => LatentEvaluation.Run(model, data, Fast, truth: new bool[3, Length])).Message);
        using var other = TestEncoder.RandomConv(1, Length, latentDim: 4, dtype: TorchSharp.torch.ScalarType.Float32);
        Assert.Contains("channel", Assert.Throws<ArgumentException>(() => LatentEvaluation.Run(other, data, Fast)).Message);
        var planted = new PlantedWindowData { WindowStart = 58, WindowLength = 8 };
        Assert.Contains("inside the 60 steps", Assert.Throws<ArgumentException>(() => planted.Generate()).Message);
    }
}
