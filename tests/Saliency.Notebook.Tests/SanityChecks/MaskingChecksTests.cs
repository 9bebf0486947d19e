using Saliency.Notebook.Explainers;
using TorchSharp;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Models;
using Saliency.Notebook.SanityChecks;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.SanityChecks;

/// <summary>Local masking and kept-vs-removed on the planted-segment encoder (latent depends on steps 20–29 only).</summary>
public class MaskingChecksTests
{
    private static SanityCheckInputs Planted(out SyntheticEncoder model)
    {
        model = SyntheticEncoder.PlantedSegment(40, 20, 30);
        return new SanityCheckInputs { Model = model, Data = SyntheticData.Uniform(60, 40, seed: 3), Settings = new MethodSettings { Layer = "encoder.0" } };
    }

    [Fact]
    public void Pruning_mask_keeps_exactly_the_planted_segment()
    {
        var inputs = Planted(out var model);
        using (model)
        {
            var latents = model.PosteriorMeans(inputs.Data.X, CPU);
            var pca = LatentPca.Fit(latents, 2);
            using var maps = MethodRegistry.GradCam.Maps(model, inputs.Data.X, CPU, 4096, inputs.Settings);
            using var mask = SalientSteps.PruningMask(maps.Absolute, pca, 0.2);
            var expected = zeros(60, 40, dtype: ScalarType.Bool);
            expected.narrow(1, 20, 10).fill_(true);
            Assert.True(mask.eq(expected).all().item<bool>());
        }
    }

    [Fact]
    public void Kept_salient_steps_leave_the_latent_and_the_removed_part_moves_it()
    {
        var inputs = Planted(out var model);
        using (model)
        {
            var result = new KeptRemovedCheck().Run(inputs);
            Assert.Equal(75.0, (double)result.Summary["zero_percent"], 9);         // 30 of 40 steps zeroed on both channels
            foreach (var label in new[] { "a", "b" })
            {
                Assert.True((double)result.Summary[$"kept.{label}.latent_displacement"] < 1e-9);
                Assert.True((double)result.Summary[$"removed.{label}.latent_displacement"] > 1);
                Assert.False(result.Summary.ContainsKey($"original.{label}.pca_displacement"));   // 0 by construction: not reported
            }
            Assert.True((double)result.Summary["removed_over_kept_latent_displacement"] > 1e6);
            Assert.Equal(3 * 60, result.Rows.Rows.Count);
        }
    }

    [Fact]
    public void Local_masks_from_any_reference_keep_the_segment_until_they_cut_into_it()
    {
        var inputs = Planted(out var model);
        using (model)
        {
            var result = new LocalMaskingCheck { ReferencesPerClass = 5, Percentiles = [50, 70, 80, 99] }.Run(inputs with { Labels = ["a"] });
            Assert.Equal(5 * 4, result.Rows.Rows.Count);
            var percentiles = result.Rows["percentile"].Cast<double?>().ToArray();
            var kept = result.Rows["kept_steps"].Cast<int?>().ToArray();
            var distances = result.Rows["mean_pca_distance"].Cast<double?>().ToArray();
            for (int row = 0; row < percentiles.Length; row++)
            {
                // A reference's own map is 0 on the 30 steps outside the segment: up to p70 the threshold is 0 and the strict '>'
                // keeps exactly the 10 segment steps (distance 0); above p75 it cuts into the segment and the latent moves.
                if (percentiles[row] <= 70)
                {
                    Assert.Equal(10, kept[row]);
                    Assert.True(distances[row] < 1e-9, $"row {row}: {distances[row]}");
                }
                else Assert.True(distances[row] > 0.01, $"row {row}: {distances[row]}");
            }
            Assert.Equal(6, result.Curves[0].Series.Count);                       // 5 references + their mean
            Assert.Equal(5, result.Summary["a.references"]);
        }
    }
}

/// <summary>The corruption check on data whose class lives in the planted segment only.</summary>
public class CorruptionCheckTests
{
    /// <summary>
    /// 200 two-channel series of length 40: 0.5 + small noise, except steps 20–29 which alternate 0.5 ± 0.4 with the phase
    /// set by the class, so the class is visible only in the segment and both classes have the same mean.
    /// </summary>
    private static SanityData PhaseInSegment()
    {
        using var generator = new Generator(9);
        using var scope = torch.NewDisposeScope();
        var x = torch.rand(new long[] { 200, 2, 40 }, generator: generator) * 0.1 + 0.45;
        var labels = Enumerable.Range(0, 200).Select(i => i % 2 == 0 ? "a" : "b").ToArray();
        var phase = torch.tensor(labels.Select(l => l == "a" ? 1f : -1f).ToArray()).view(200, 1, 1);
        var pattern = torch.tensor(Enumerable.Range(0, 10).Select(t => t % 2 == 0 ? 0.4f : -0.4f).ToArray()).view(1, 1, 10);
        x.narrow(2, 20, 10).copy_(0.5f + phase * pattern + x.narrow(2, 20, 10) - 0.5f);
        return new SanityData(x.MoveToOuterDisposeScope(), labels, "symbols");
    }

    [Fact]
    public void Corrupting_the_most_important_steps_hurts_far_more_than_the_least()
    {
        using var model = SyntheticEncoder.PlantedSegment(40, 20, 30);
        var result = new CorruptionCheck { ClassifierEpochs = 150 }.Run(new SanityCheckInputs { Model = model, Data = PhaseInSegment(), Settings = new MethodSettings { Layer = "encoder.0" } });
        var accuracy = result.Rows["accuracy"].Cast<double?>().Select(v => v!.Value).ToArray();        // most: 0,10,20,30 %; least: same
        var displacement = result.Rows["latent_displacement"].Cast<double?>().Select(v => v!.Value).ToArray();

        Assert.True(accuracy[0] > 0.95, $"clean accuracy {accuracy[0]}");
        Assert.True(accuracy[3] < 0.7, $"30 % most important corrupted (the whole segment): {accuracy[3]}");
        Assert.All(accuracy.Skip(4), a => Assert.True(a > 0.95, $"least important corrupted: {a}"));
        Assert.All(displacement.Skip(5), d => Assert.Equal(0, d, 9));            // the encoder never sees the noise steps
        // The planted encoder is linear with equal segment weights: replacing the whole alternating segment by its mean (30 %)
        // barely moves z, while removing only its high half (10 %) moves it most; so only "> 0" is asserted, not a rise.
        Assert.All(displacement.Skip(1).Take(3), d => Assert.True(d > 0.1, $"most important corrupted: ‖Δz‖ = {d}"));
        Assert.Equal(true, result.Summary["most_hurts_more"]);
        Assert.True((double)result.Summary["accuracy_area_gap"] > 0.05);
        Assert.Equal(2, result.Curves.Count);
    }

    [Fact]
    public void Corruption_with_several_methods_shares_the_classifier_and_gives_each_method_what_it_gives_alone()
    {
        using var model = SyntheticEncoder.PlantedSegment(40, 20, 30);
        var check = new CorruptionCheck { ClassifierEpochs = 20 };
        var inputs = new SanityCheckInputs { Model = model, Data = PhaseInSegment(), Settings = new MethodSettings { Layer = "encoder.0" } };
        var both = check.Run(inputs with { Methods = ["gradcam", "gradient"] });

        Assert.Equal(new[] { "gradcam", "gradient" }, both.Curves[0].Series.Select(s => s.Name));
        Assert.Equal(2, both.Curves.Count);
        var methods = both.Rows["method"].Cast<string>().ToArray();
        foreach (var method in new[] { "gradcam", "gradient" })
        {
            var alone = check.Run(inputs with { Methods = [method] });
            foreach (var column in new[] { "accuracy", "latent_displacement" })
            {
                var expected = alone.Rows[column].Cast<double?>().Select(v => v!.Value).ToArray();
                var own = both.Rows[column].Cast<double?>().Where((_, i) => methods[i] == method).Select(v => v!.Value).ToArray();
                Assert.Equal(expected.Length, own.Length);
                for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], own[i], 12);
            }
            Assert.Equal((double)alone.Summary["accuracy_area_gap"], (double)both.Summary[$"{method}.accuracy_area_gap"], 12);
            Assert.Equal(alone.Summary["most_hurts_more"], both.Summary[$"{method}.most_hurts_more"]);
            var accuracyGap = both.Curves[0].Series.Single(s => s.Name == method).Y;
            Assert.Equal(0, accuracyGap[0], 12);                                                    // nothing corrupted: no gap
        }
    }

    [Fact]
    public void Corrupt_replaces_the_chosen_steps_by_the_sample_mean()
    {
        var x = torch.tensor(new float[] { 0, 4, 8, 4 }).view(1, 1, 4);
        var importance = torch.tensor(new double[] { 0.1, 0.3, 0.9, 0.2 }).view(1, 4);
        Assert.Equal(new float[] { 0, 4, 4, 4 }, CorruptionCheck.Corrupt(x, importance, 1, most: true).data<float>().ToArray());
        Assert.Equal(new float[] { 4, 4, 8, 4 }, CorruptionCheck.Corrupt(x, importance, 1, most: false).data<float>().ToArray());
    }
}
