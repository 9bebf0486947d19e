using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.Tests.Training;
using Saliency.Notebook.Training;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Pipeline;

/// <summary>
/// The method finds what was planted: in a seeded dataset of noisy series where only class "bump" carries a bump at step 42,
/// the CVAE of the preset for unknown data, after a short training, has a PC1 global map of class "bump" that is strongest over the bump.
/// </summary>
[Collection(GlobalTorchRandomness.Name)]
public class PlantedBumpTests
{
    /// <summary>Series length, bump centre and half width (the Gaussian's σ), in steps.</summary>
    public const int Length = 60, BumpCentre = 42, BumpHalfWidth = 2;

    /// <summary>N series of length 60: a random level and slope (±0.1) plus noise (±0.025) for both classes; class "bump" (even rows) adds a Gaussian bump of height 1 at step 42.</summary>
    public static (float[,,] Values, string[] Labels) Planted(int n, long seed)
    {
        var random = new Random((int)seed);
        var values = new float[n, Length, 1];
        var labels = new string[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 2 == 0 ? "bump" : "flat";
            double level = 0.2 * (random.NextDouble() - 0.5), slope = 0.2 * (random.NextDouble() - 0.5);
            for (int t = 0; t < Length; t++)
            {
                double bump = labels[i] == "bump" ? Math.Exp(-0.5 * Math.Pow((t - BumpCentre) / (double)BumpHalfWidth, 2)) : 0;
                values[i, t, 0] = (float)(level + slope * t / Length + 0.05 * (random.NextDouble() - 0.5) + bump);
            }
        }
        return (values, labels);
    }

    [Fact]
    public void Pc1_map_of_the_bump_class_peaks_over_the_bump_after_a_short_training()
    {
        var (values, labels) = Planted(80, seed: 4);
        using var data = TimeSeriesDataset.FromArrays(values, labels, new DatasetDescription { Name = "planted" });
        var preset = TrainingPresets.For(data.Info, data.C, data.L);
        Assert.Equal((10, 3), (preset.Config.SamplingFactor, preset.Config.KernelSize)); // the preset for unknown data at L = 60
        var options = preset.Options with { Epochs = 20, BatchSize = 32, LearningRate = 5e-3, Seed = 1 };
        var training = new Trainer(preset.Config, options).Train(data.X);
        using var model = training.Model;
        using var result = GlobalSaliencyPipeline.Run(model, data, new PipelineOptions { GridSize = 50 });

        // The map of class "bump", PC1, over time: its strongest bin at each time step.
        double[,] map = result.Maps.Map("bump", 0, normalised: false);
        double[] overTime = Enumerable.Range(0, Length).Select(t => Enumerable.Range(0, map.GetLength(1)).Max(v => map[t, v])).ToArray();
        int peak = Array.IndexOf(overTime, overTime.Max());
        double outside = overTime.Where((_, t) => Math.Abs(t - BumpCentre) > 3 * BumpHalfWidth).Max();
        Assert.InRange(peak, BumpCentre - BumpHalfWidth, BumpCentre + BumpHalfWidth);
        Assert.True(overTime[peak] > 1.2 * outside, $"peak {overTime[peak]} vs {outside} away from the bump");
    }
}
