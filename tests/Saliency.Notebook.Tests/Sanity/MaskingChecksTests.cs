using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.SanityChecks;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Sanity;

/// <summary>Local masking and kept-vs-removed on the planted-segment encoder (latent depends on steps 20–29 only).</summary>
public class MaskingChecksTests
{
    private static SanityCheckInputs Planted(out SyntheticEncoder model)
    {
        model = SyntheticEncoder.PlantedSegment(40, 20, 30);
        return new SanityCheckInputs { Model = model, Data = SyntheticData.Uniform(60, 40, seed: 3), Layer = "encoder.0" };
    }

    [Fact]
    public void Pruning_mask_keeps_exactly_the_planted_segment()
    {
        var inputs = Planted(out var model);
        using (model)
        {
            var latents = Notebook.Pipeline.GlobalSaliencyPipeline.Encode(model, inputs.Data.X, CPU);
            var pca = LatentPca.Fit(latents, 2);
            using var maps = SaliencyMethod.GradCam.Compute(model, inputs.Data.X, CPU, 4096, "encoder.0");
            using var mask = KeptRemovedCheck.PruningMask(maps.Absolute, pca, 0.2);
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
                Assert.Equal(0.0, (double)result.Summary[$"original.{label}.pca_displacement"], 12);
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
