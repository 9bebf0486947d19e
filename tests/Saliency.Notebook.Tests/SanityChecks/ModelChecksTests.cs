using Saliency.Notebook.Explainers;
using Saliency.Notebook.SanityChecks;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.SanityChecks;

/// <summary>Translation and randomisation on small synthetic encoders whose right answers are known.</summary>
public class ModelChecksTests
{
    /// <summary>One-channel series of length 64, zero but for a Gaussian bump (width 3) centred in [24, 40].</summary>
    private static SanityData Bumps(int n, long seed)
    {
        var generator = new Generator((ulong)seed);
        var centres = randint(24, 40, new long[] { n, 1, 1 }, generator: generator).to(ScalarType.Float32);
        var t = arange(64, dtype: ScalarType.Float32).view(1, 1, 64);
        var x = (-(t - centres).square() / 18).exp();
        return new SanityData(x, Enumerable.Repeat("a", n).ToArray(), "eog");
    }

    [Fact]
    public void Translation_recovers_every_shift_exactly_for_a_shift_equivariant_encoder()
    {
        using var model = SyntheticEncoder.ShiftEquivariant(1, 64, 3, seed: 5);
        var result = new TranslationCheck().Run(new SanityCheckInputs { Model = model, Data = Bumps(24, 1), Settings = new MethodSettings { Layer = "encoder.2" } });
        foreach (int s in new[] { 1, 2, 3, 5, 8 }) Assert.Equal(s, result.Summary[$"shift_{s}.recovered_lag"]);
        Assert.Equal(true, result.Summary["all_recovered"]);
        // Not 1: within a receptive field of the left edge the maps see the zero padding of the convolutions, which does not shift.
        Assert.True((double)result.Summary["shift_3.peak_correlation"] > 0.95);
    }

    [Fact]
    public void Translation_with_several_methods_gives_each_method_its_own_rows_and_one_curve_at_the_largest_shift()
    {
        using var model = SyntheticEncoder.ShiftEquivariant(1, 64, 3, seed: 5);
        var inputs = new SanityCheckInputs { Model = model, Data = Bumps(24, 1), Settings = new MethodSettings { Layer = "encoder.2" } };
        var both = new TranslationCheck().Run(inputs with { Methods = ["gradcam", "gradient"] });

        var curve = both.Curves.Single();
        Assert.Equal(new[] { "gradcam", "gradient" }, curve.Series.Select(s => s.Name));
        Assert.Equal(1.0, (double)both.Summary["gradcam.recovered_fraction"]);
        Assert.Equal("1, 2, 3, 5, 8", both.Summary["gradcam.recovered_lags"]);
        Assert.Contains("gradcam", (IEnumerable<string>)both.Summary["methods_recovering_every_shift"]);
        var methods = both.Rows["method"].Cast<string>().ToArray();
        var correlations = both.Rows["mean_correlation"].Cast<double?>().Select(v => v!.Value).ToArray();
        foreach (var method in new[] { "gradcam", "gradient" })
        {
            var alone = new TranslationCheck().Run(inputs with { Methods = [method] });
            var own = correlations.Where((_, i) => methods[i] == method).ToArray();
            Assert.Equal(alone.Rows["mean_correlation"].Cast<double?>().Select(v => v!.Value), own);
            Assert.Equal(alone.Curves.Single().Series.Single(s => s.Name == "shift 8").Y, curve.Series.Single(s => s.Name == method).Y);
            Assert.Equal(alone.Summary["recovered_fraction"], both.Summary[$"{method}.recovered_fraction"]);
        }
    }

    [Fact]
    public void Edge_padded_shift_repeats_the_first_value()
    {
        var x = arange(5, dtype: ScalarType.Float32).view(1, 1, 5);
        Assert.Equal(new float[] { 0, 0, 0, 1, 2 }, TranslationCheck.ShiftRight(x, 2).data<float>().ToArray());
    }

    [Fact]
    public void Randomising_the_layers_decorrelates_gradcam_and_a_no_op_keeps_it_at_one()
    {
        using var model = SyntheticEncoder.RandomConv(2, 20, 3, seed: 11);
        var data = SyntheticData.Uniform(32, 20, seed: 2);
        var inputs = new SanityCheckInputs { Model = model, Data = data, Settings = new MethodSettings { Layer = "encoder.2" }, Methods = ["gradcam", "gradient"] };
        var before = model.parameters().Select(p => p.detach().clone()).ToArray();

        Assert.Equal(new[] { "head", "encoder.2", "encoder.0" }, RandomisationCheck.EncoderPathTopDown(model, data.X.narrow(0, 0, 1)));
        var randomised = new RandomisationCheck().Run(inputs);
        var noOp = new RandomisationCheck { Reinitialise = (_, _) => { } }.Run(inputs);

        foreach (var (parameter, original) in model.parameters().Zip(before)) Assert.True(parameter.eq(original).all().item<bool>(), "the model must be restored");
        Assert.Equal(2 * 2 * 3, randomised.Rows.Rows.Count);                  // methods × {cascading, independent} × layers
        foreach (var column in new[] { "spearman_abs", "spearman_signed", "ssim" })
            Assert.All(noOp.Rows[column].Cast<double?>(), v => Assert.Equal(1.0, v!.Value, 9));
        // Every re-initialisation changes both methods' maps well away from rank correlation 1 (this random 3-layer net gives
        // |ρ| between 0.0 and 0.65, so no stricter bound is claimed for it); re-initialising the head alone decorrelates GradCAM.
        Assert.All(randomised.Rows["spearman_abs"].Cast<double?>(), v => Assert.True(Math.Abs(v!.Value) < 0.9, $"ρ = {v}"));
        Assert.True(Math.Abs(randomised.Rows["spearman_abs"].Cast<double?>().First()!.Value) < 0.5);
        Assert.Equal(false, noOp.Summary["gradcam.passes"]);
        Assert.Empty((IEnumerable<string>)noOp.Summary["passing_methods"]);
    }
}
