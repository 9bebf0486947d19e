using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Pipeline;

/// <summary>
/// What the methods notebooks compute besides the explainers: the seeded subset, the completeness and agreement tables (hand-computed
/// cases), and every method's maps side by side, which for GradCAM are the main notebook's step 4 and 5 to the bit.
/// </summary>
public class MethodComparisonTests
{
    [Fact]
    public void A_sample_keeps_evenly_spaced_series_of_every_label_and_the_description()
    {
        var values = new float[10, 4, 1];
        for (int i = 0; i < 10; i++) values[i, 0, 0] = i;
        string[] labels = { "a", "b", "a", "a", "b", "a", "a", "b", "a", "b" };    // a: 0 2 3 5 6 8, b: 1 4 7 9
        using var data = TimeSeriesDataset.FromArrays(values, labels);

        using var sample = data.Sample(2);

        Assert.Equal(new[] { 0f, 1f, 5f, 7f }, sample.X.select(2, 0).select(1, 0).data<float>().ToArray());   // a: members 0 and 3 of 6; b: 0 and 2 of 4
        Assert.Equal(new[] { "a", "b", "a", "b" }, sample.Labels);
        Assert.Equal(data.ClassNames, sample.ClassNames);
        Assert.Same(data.Info, sample.Info);
        using var all = data.Sample(100);
        Assert.Equal(data.N, all.N);
    }

    [Fact]
    public void Completeness_and_agreement_per_target_are_the_hand_computed_maxima()
    {
        // Two samples, two steps, one channel, two targets: Σ attributions per sample and target, minus the error, is f(x) − f(x₀).
        using var values = tensor(new double[] { 1, 10, 2, 20, /* sample 1 */ -3, 5, 1, 5 }, new long[] { 2, 2, 1, 2 });
        using var error = tensor(new double[] { 0.5, -1, 0.1, 2 }, new long[] { 2, 2 });
        using var ig = new Attribution(values.alias(), "N,L,C,T", new[] { "z0", "z1" }, error.alias()) { Method = "ig" };

        var rows = ig.CompletenessByTarget();

        // z0: sums 3 and −2, changes 2.5 and −2.1 → max |error| 0.5, max |change| 2.5; z1: sums 30 and 10, changes 31 and 8 → 2, 31.
        Assert.Equal(new CompletenessRow("z0", 0.5, 2.5, 0.2), rows[0]);
        Assert.Equal("z1", rows[1].Target);
        Assert.Equal(2, rows[1].MaxAbsError);
        Assert.Equal(31, rows[1].MaxAbsChange);
        Assert.Equal(2.0 / 31, rows[1].Relative, 15);

        using var other = tensor(new double[] { 1, 10.5, 2, 20, -3, 5, 1.25, 5 }, new long[] { 2, 2, 1, 2 });
        using var reference = new Attribution(other.alias(), "N,L,C,T", new[] { "z0", "z1" }) { Method = "gradient" };
        var agreement = ig.DifferenceFrom(reference);
        Assert.Equal(new AgreementRow("z0", 0.25, 3, 0.25 / 3), agreement[0]);
        Assert.Equal(new AgreementRow("z1", 0.5, 20, 0.5 / 20), agreement[1]);
        Assert.Throws<InvalidOperationException>(() => reference.CompletenessByTarget());
    }

    [Fact]
    public void Gradcams_side_by_side_maps_are_the_main_notebooks_and_fourier_ig_gets_a_profile_per_frequency_bin()
    {
        using var full = DatasetRegistry.Load("eog", TestData.DataDirectory);
        using var data = full.Sample(3);
        using var loaded = ModelStore.Load(TestData.Checkpoint("eog"), data.C, data.L, "eog");
        using var means = GlobalSaliencySteps.Encode(loaded, data);
        using var pca = GlobalSaliencySteps.FitPca(means);
        using var gradCam = new GradCam(loaded).Attribute(data);
        using var fourier = new FourierIntegratedGradients(loaded, steps: 4).Attribute(data);

        var comparison = MethodComparison.Maps(data, pca, new[] { gradCam, fourier }, gridSize: 40, sigma: 2);

        using var projections = GlobalSaliencySteps.Project(gradCam, pca);
        var main = GlobalSaliencySteps.BinMaps(data, projections, gridSize: 40, sigma: 2);
        Assert.Equal(new[] { "gradcam", "fourier-ig" }, comparison.Methods.Select(m => m.Method));
        Assert.Equal(main.Maps.Normalised, comparison.Methods[0].Binned!.Maps.Normalised);
        Assert.Null(comparison.Methods[0].FrequencyProfiles);
        var profiles = comparison.Methods[1].FrequencyProfiles!;
        Assert.Null(comparison.Methods[1].Binned);
        Assert.Equal(new[] { data.ClassNames.Length, 2, data.L / 2 + 1 }, new[] { profiles.GetLength(0), profiles.GetLength(1), profiles.GetLength(2) });
        for (int l = 0; l < profiles.GetLength(0); l++)
            for (int k = 0; k < 2; k++)
                Assert.Equal(1, Enumerable.Range(0, profiles.GetLength(2)).Max(f => profiles[l, k, f]));   // each label's profile peaks at 1
        Assert.Throws<ArgumentException>(() => MethodComparison.Maps(full, pca, new[] { gradCam }));       // not the explained series
    }
}
