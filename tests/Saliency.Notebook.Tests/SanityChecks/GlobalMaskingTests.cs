using Saliency.Notebook.Explainers;
using Saliency.Notebook.SanityChecks;

namespace Saliency.Notebook.Tests.SanityChecks;

/// <summary>Global masking on the planted-segment encoder, whose latent depends on steps 20–29 only.</summary>
public class GlobalMaskingTests
{
    [Fact]
    public void Keeping_the_planted_segment_leaves_the_latent_and_removing_part_of_it_moves_it()
    {
        using var model = SyntheticEncoder.PlantedSegment(40, 20, 30);
        var data = SyntheticData.Uniform(60, 40, seed: 1);
        var result = new GlobalMaskingCheck().Run(new SanityCheckInputs { Model = model, Data = data, Settings = new MethodSettings { Layer = "encoder.0" }, Labels = ["a"] });

        var percentiles = result.Rows["percentile"].Cast<double?>().Select(v => v!.Value).ToArray();
        var kept = result.Rows["kept_steps"].Cast<int?>().Select(v => v!.Value).ToArray();
        var distances = result.Rows["mean_abs_delta_pc1"].Cast<double?>().Select(v => v!.Value).ToArray();
        for (int p = 0; p < percentiles.Length; p++)
        {
            if (percentiles[p] <= 70)
            {
                // 30 of 40 class-mean saliencies are exactly 0: the threshold is 0 and every step (the segment included) is kept.
                Assert.Equal(40, kept[p]);
                Assert.True(distances[p] < 1e-9, $"p{percentiles[p]}: {distances[p]}");
            }
            else
            {
                Assert.True(kept[p] < 10, $"p{percentiles[p]} keeps {kept[p]} steps");
                Assert.True(distances[p] > 0.05, $"p{percentiles[p]}: {distances[p]}");
            }
        }
        Assert.True(distances[^1] > distances[^3], "removing more of the segment must move the latent further");
        Assert.Equal("lower", result.DirectionText);
        Assert.Single(result.Curves);
        Assert.Equal(percentiles, result.Curves[0].X);
    }
}
