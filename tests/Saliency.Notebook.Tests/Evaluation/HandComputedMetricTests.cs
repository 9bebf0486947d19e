using Saliency.Notebook.Evaluation;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using Saliency.Notebook.Tests.Explainers;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Evaluation;

/// <summary>Each metric of the evaluation on a case small enough to compute by hand, with exact values.</summary>
public class HandComputedMetricTests
{
    private static Tensor Series(params float[] values) => tensor(values).view(1, 1, values.Length);

    private static Tensor Keep(params bool[] keep) => tensor(keep).view(1, keep.Length);

    private static float[] Values(Tensor t) => t.to(ScalarType.Float32).contiguous().data<float>().ToArray();

    [Fact]
    public void Noisy_linear_fill_interpolates_between_kept_steps_holds_the_nearest_beyond_them_and_adds_scaled_noise_only_where_removed()
    {
        using var scope = NewDisposeScope();
        var fill = RemovalFill.NoisyLinear(noise: 0);
        var x = Series(1, 9, 9, 4, 9);
        Assert.Equal(new float[] { 1, 2, 3, 4, 4 }, Values(fill.Apply(x, Keep(true, false, false, true, false), zeros_like(x))));
        Assert.Equal(new float[] { 2, 2, 2 }, Values(fill.Apply(Series(9, 2, 9), Keep(false, true, false), zeros(1, 1, 3))));
        // Nothing kept: ROAD's system is singular; the kit takes the series' mean.
        Assert.Equal(new float[] { 3, 3, 3, 3 }, Values(fill.Apply(Series(1, 2, 3, 6), Keep(false, false, false, false), zeros(1, 1, 4))));
        var noisy = RemovalFill.NoisyLinear(noise: 0.5);
        Assert.Equal(new float[] { 1, 2.5f, 3.5f, 4 }, Values(noisy.Apply(Series(1, 0, 0, 4), Keep(true, false, false, true), ones(1, 1, 4))));
    }

    [Fact]
    public void Constant_fill_writes_the_value_where_removed()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(new float[] { 5, -1, 7 }, Values(RemovalFill.Constant().Apply(Series(5, 6, 7), Keep(true, false, true), null)));
    }

    [Fact]
    public void Ranks_put_the_most_salient_first_and_break_ties_by_position()
    {
        using var scope = NewDisposeScope();
        var ranks = AttributionMetrics.SaliencyRanks(tensor(new[] { 0.1, 0.5, 0.5, 0.2 }).view(1, 4));
        Assert.Equal(new long[] { 3, 0, 1, 2 }, ranks.data<long>().ToArray());
        Assert.Equal(new long[] { 0, 2, 5 }, AttributionMetrics.RemovalCounts(5, 2));
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, AttributionMetrics.RemovalCounts(4, 4));
    }

    /// <summary>
    /// A linear encoder t(x) = 1·x₀ + 2·x₁ + 3·x₂ + 4·x₃ on x = (1, 1, 1, 1) (t = 10), the map ranking steps 0, 1, 2, 3, removed steps
    /// filled with 0 (so the fully imputed series gives t = 0): deletion removes 1, 2, 3, 4 → |Δt| = 0, 1, 3, 6, 10, normalised
    /// 0, .1, .3, .6, 1, area (trapezoids of width ¼) 0.375; insertion keeps 0, 1, 2, 3, 4 steps → |Δt| = 10, 9, 7, 4, 0, area 0.625.
    /// </summary>
    [Fact]
    public void Deletion_and_insertion_curves_and_areas_of_a_linear_encoder()
    {
        using var scope = NewDisposeScope();
        using var model = TestEncoder.Linear(new float[,] { { 1, 2, 3, 4 } }, [0], channels: 1, length: 4);
        var x = ones(1, 1, 4);
        var ranks = AttributionMetrics.SaliencyRanks(tensor(new[] { 0.4, 0.3, 0.2, 0.1 }).view(1, 4));
        var counts = AttributionMetrics.RemovalCounts(4, 4);
        var fill = RemovalFill.Constant(0);
        var full = zeros(1, 1, 4);
        var direction = tensor(new float[] { 1 });
        double[] Curve(RemovalOrder order)
        {
            var displacement = AttributionMetrics.LatentDisplacements(model, x, direction, ranks, counts, order, AttributionAxis.Time, fill, null, full, batchSize: 3);
            var rows = new double[1, counts.Length];
            var flat = displacement.data<double>().ToArray();
            for (int k = 0; k < flat.Length; k++) rows[0, k] = flat[k];
            return AttributionMetrics.NormalisedCurve(rows, [10], [1]);
        }
        double[] fractions = counts.Select(k => k / 4.0).ToArray();
        var deletion = Curve(RemovalOrder.Deletion);
        var insertion = Curve(RemovalOrder.Insertion);
        AssertClose(new[] { 0, .1, .3, .6, 1 }, deletion);
        AssertClose(new[] { 1, .9, .7, .4, 0 }, insertion);
        Assert.Equal(0.375, AttributionMetrics.Trapezoid(fractions, deletion), 6);
        Assert.Equal(0.625, AttributionMetrics.Trapezoid(fractions, insertion), 6);
    }

    [Fact]
    public void The_normalised_curve_is_a_ratio_of_weighted_means()
    {
        // Sample 0 moves 1 then 2 of a full 2, sample 1 moves 3 then 6 of a full 6; sample 1 counted twice: (1 + 6, 2 + 12) / (2 + 12).
        var curve = AttributionMetrics.NormalisedCurve(new double[,] { { 1, 2 }, { 3, 6 } }, [2, 6], [1, 2]);
        AssertClose(new[] { 7 / 14.0, 1.0 }, curve);
    }

    /// <summary>
    /// A step explanation e(x) = [x > 0.5]: x = (0.49, 0.9) has e = (0, 1) and noise of radius 0.02 flips its first value in a quarter of
    /// the draws, so with 40 draws the largest change is ‖(1, 0)‖ / ‖(0, 1)‖ = 1; (0.8, 0.9) never changes (0); (0.1, 0.2) has e = 0, whose
    /// norm counts as 1 (Captum), and never changes (0).
    /// </summary>
    [Fact]
    public void Max_sensitivity_is_the_largest_relative_change_of_the_map()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 0.49f, 0.9f, 0.8f, 0.9f, 0.1f, 0.2f }).view(3, 1, 2);
        using var generator = new Generator(3);
        var sensitivity = AttributionMetrics.MaxSensitivity(xs => (xs > 0.5).to(ScalarType.Float32), x, radius: 0.02, perturbations: 40, generator);
        Assert.Equal(new[] { 1.0, 0, 0 }, sensitivity.data<double>().ToArray());
        // e(x) = 2x with no noise: nothing changes.
        using var still = new Generator(3);
        Assert.All(AttributionMetrics.MaxSensitivity(xs => xs * 2, x, radius: 0, perturbations: 3, still).data<double>().ToArray(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void Spearman_of_rows_with_and_without_ties_and_of_a_constant_row()
    {
        using var scope = NewDisposeScope();
        // 1 − 6·Σd²/(n(n² − 1)) = 1 − 6·2/60 = 0.8; ranks (1.5, 1.5, 3) against (1, 2, 3): 1.5 / √(1.5·2) = √3 / 2.
        var a = tensor(new[] { 1.0, 2, 3, 4, 1, 1, 2, 0, 5, 5, 5, 0 }).view(3, 4);
        var b = tensor(new[] { 1.0, 3, 2, 4, 1, 2, 3, 0, 1, 2, 3, 4 }).view(3, 4);
        var rho = AttributionMetrics.RowSpearman(a.narrow(0, 0, 1), b.narrow(0, 0, 1)).data<double>().ToArray();
        Assert.Equal(0.8, rho[0], 12);
        var tied = AttributionMetrics.RowSpearman(tensor(new[] { 1.0, 1, 2 }).view(1, 3), tensor(new[] { 1.0, 2, 3 }).view(1, 3)).data<double>().ToArray();
        Assert.Equal(Math.Sqrt(3) / 2, tied[0], 12);
        Assert.Equal(new[] { 1.5, 1.5, 3 }, AttributionMetrics.AverageRanks(tensor(new[] { 1.0, 1, 2 }).view(1, 3)).data<double>().ToArray());
        var constant = AttributionMetrics.RowSpearman(tensor(new[] { 2.0, 2, 2 }).view(1, 3), tensor(new[] { 1.0, 2, 3 }).view(1, 3)).data<double>().ToArray();
        Assert.True(double.IsNaN(constant[0]));
    }

    /// <summary>
    /// Scores (0.9, 0.8, 0.7, 0.1) against truth (1, 0, 1, 0): at thresholds 0.9, 0.8, 0.7, 0.1 precision is 1, ½, ⅔, ½ and recall ½, ½, 1, 1.
    /// Average precision ½·1 + 0 + ½·⅔ + 0 = ⅚; area under precision over the thresholds 0.6·(½ + ⅔)/2 + 0.1·(⅔ + ½)/2 + 0.1·(½ + 1)/2 = 0.48333…;
    /// under recall 0.6·1 + 0.1·¾ + 0.1·½ = 0.725.
    /// </summary>
    [Fact]
    public void White_box_scores_of_four_points()
    {
        var curve = new WhiteBoxCurve(new double[,] { { 0.9, 0.8, 0.7, 0.1 } }, new bool[,] { { true, false, true, false } });
        var scores = curve.Evaluate();
        Assert.Equal(5 / 6.0, scores.Auprc, 12);
        Assert.Equal(0.6 * (0.5 + 2 / 3.0) / 2 + 0.1 * (2 / 3.0 + 0.5) / 2 + 0.1 * 1.5 / 2, scores.Aup, 12);
        Assert.Equal(0.725, scores.Aur, 12);
        // Counting a sample twice pools its points twice, which changes no ratio here.
        Assert.Equal(scores, curve.Evaluate([2]));
        using var scope = NewDisposeScope();
        AssertClose(new[] { 0, 2 / (3 + 1e-5) }, AttributionMetrics.TintNormalise(tensor(new[] { 1.0, 3 }).view(1, 2)).data<double>().ToArray());
    }

    [Fact]
    public void Bootstrap_of_a_constant_statistic_has_no_spread_and_of_a_sample_mean_brackets_it()
    {
        var constant = Bootstrap.Estimate(5, _ => 2, resamples: 50, seed: 1);
        Assert.Equal(new MetricEstimate(2, 0, 2, 2), constant);
        double[] values = [0, 0, 0, 0, 10];
        var mean = Bootstrap.Estimate(values.Length, w => Bootstrap.WeightedMean(values, w), resamples: 400, seed: 1);
        Assert.Equal(2, mean.Value, 12);
        Assert.True(mean.Low == 0 && mean.High > 2 && mean.Std > 0, $"{mean}");
        Assert.True(double.IsNaN(Bootstrap.Estimate(3, _ => 1, resamples: 0, seed: 1).Std));
    }

    [Fact]
    public void Randomising_every_layer_changes_each_weight_and_disposing_restores_the_trained_ones()
    {
        using var scope = NewDisposeScope();
        using var model = TestEncoder.HandSet(reluAfterConv: true);
        var trained = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        using (LayerInitialisation.RandomiseAll(model, seed: 5))
            foreach (var (name, parameter) in model.named_parameters().Where(p => p.name.EndsWith("weight")))
                Assert.False(parameter.eq(trained[name]).all().item<bool>(), $"{name} was not re-initialised");
        foreach (var (name, parameter) in model.named_parameters())
            Assert.True(parameter.eq(trained[name]).all().item<bool>(), $"{name} was not restored");
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6, $"[{i}]: expected {expected[i]}, got {actual[i]}");
    }
}
