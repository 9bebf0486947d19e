using Saliency.Notebook.Evaluation;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Tests.Training;

namespace Saliency.Notebook.Tests.Evaluation;

/// <summary>The planted evaluation finds the window: a method's map beats the random row against the truth, and a frequency map has no window score.</summary>
[Collection(GlobalTorchRandomness.Name)]
public class PlantedEvaluationTests
{
    [Fact]
    public void The_gradient_map_of_a_model_trained_on_planted_data_scores_above_random_against_the_window()
    {
        var planted = new PlantedWindowData { Count = 160 };
        Assert.Equal(8 * 160, Enumerable.Range(0, 160).Sum(i => Enumerable.Range(0, 60).Count(t => planted.Truth()[i, t])));
        var options = new EvaluationOptions { Methods = ["gradient", "fourier-ig"], Resamples = 100, SensitivityPerturbations = 2, Settings = MethodSettings.Default with { Steps = 4 } };
        var result = PlantedEvaluation.Run(planted, options, epochs: 30);

        Assert.Equal(new[] { "deletion_auc", "insertion_auc", "max_sensitivity", "randomisation_distance", "aup", "aur", "auprc" }, result.MetricKeys);
        Assert.Null(result["fourier-ig"].Metrics[EvaluationMetrics.Auprc]);
        var gradient = result["gradient"].Metrics[EvaluationMetrics.Auprc]!.Value;
        var random = result[LatentEvaluation.RandomMethod].Metrics[EvaluationMetrics.Auprc]!.Value;
        // Random scores give an average precision near the window's share of the steps (8/60); the gradient's lies above random's interval.
        Assert.InRange(random.Value, 0.08, 0.2);
        Assert.True(gradient.Low > random.High, $"gradient auprc {gradient} vs random {random}");
        Assert.Equal((36, 8, 30), (result.Planted!.WindowStart, result.Planted.WindowLength, result.Planted.Epochs));
    }
}
