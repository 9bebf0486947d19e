using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Pipeline;

/// <summary>
/// The step API: the six steps called one by one give the one-call pipeline's numbers, each result slices as a tensor or a
/// DataFrame with the same values, and wrong combinations of steps are refused with a reason.
/// </summary>
public class GlobalSaliencyStepsTests
{
    private static string Checkpoint(string dataset) => TestData.Checkpoint(dataset);

    [Theory]
    [InlineData("symbols")]
    [InlineData("eog")]
    public void The_steps_one_by_one_give_the_pipelines_numbers(string dataset)
    {
        using var data = DatasetRegistry.Load(dataset, TestData.DataDirectory);
        using var loaded = ModelStore.Load(Checkpoint(dataset), data.C, data.L, dataset);
        using var run = GlobalSaliencyPipeline.Run(loaded.Model, data, new PipelineOptions { Components = 3, GridSize = 50, Sigma = 2 });

        using var means = GlobalSaliencySteps.Encode(loaded.Model, data);
        using var gradCam = new Saliency.Notebook.Explainers.GradCam(loaded).Attribute(data);
        using var pca = GlobalSaliencySteps.FitPca(means, components: 3);
        using var projections = GlobalSaliencySteps.Project(gradCam, pca);
        var maps = GlobalSaliencySteps.BinMaps(data, projections, gridSize: 50, sigma: 2);
        var combined = GlobalSaliencySteps.CombineMaps(maps);

        Assert.True(means.Values.equal(run.Latents).all().item<bool>());
        Assert.True(gradCam.Values.equal(run.GradCam).all().item<bool>());
        Assert.Equal(run.Pca.Components, pca.Pca.Components);
        Assert.True(projections.Values.equal(run.Projections).all().item<bool>());
        Assert.Equal(run.Maps.Raw, maps.Maps.Raw);
        Assert.Equal(run.Maps.Normalised, maps.Maps.Normalised);
        Assert.Equal(run.Combined(), combined.Values);
        Assert.Equal(run.Variant, maps.Variant);
        Assert.Equal(dataset == "eog" ? LabelCombination.Sum : LabelCombination.Max, combined.Combination);
        Assert.Equal(Saliency.Notebook.Explainers.GradCam.PaperLayer, gradCam.Layer);
        Assert.True(gradCam.Seconds > 0);
        Assert.Equal(Saliency.Notebook.Explainers.GradCam.AffineRoute, gradCam.Route);                    // the paper's CVAE: pooling and a linear layer after the hooked conv

        // The general path (a backward pass per chunk) gives the same maps.
        using var x = data.X.to(float32);
        using var general = new Saliency.Notebook.Explainers.GradCam(loaded) { TryAffineHead = false }.Attribute(x);
        double scale = general.Values.abs().max().item<float>();
        Assert.True((general.Values - gradCam.Values).abs().max().item<float>() <= 1e-5 * scale);
    }

    [Fact]
    public void Each_step_result_slices_as_a_tensor_or_a_frame_with_the_same_values()
    {
        using var data = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        using var loaded = ModelStore.Load(Checkpoint("symbols"), data.C, data.L, "symbols");
        using var means = GlobalSaliencySteps.Encode(loaded.Model, data);
        using var gradCam = new Saliency.Notebook.Explainers.GradCam(loaded).Attribute(data);
        using var pca = GlobalSaliencySteps.FitPca(means);
        using var projections = GlobalSaliencySteps.Project(gradCam, pca);
        var maps = GlobalSaliencySteps.BinMaps(data, projections, gridSize: 40);

        var frame = means.ToDataFrame();
        Assert.Equal(data.N, frame.Rows.Count);
        Assert.Equal(1 + means.LatentDim, frame.Columns.Count);
        Assert.Equal(data.Labels[7], frame["label"][7]);
        Assert.Equal(means.Values[7, 5].item<float>(), (double)frame["z5"][7]!, 6);

        var scores = pca.ToDataFrame();
        Assert.Equal(data.N, scores.Rows.Count);
        using (var transformed = pca.Pca.Transform(means.Values))
            Assert.Equal(transformed[9, 1].to(ScalarType.Float64).item<double>(), (double)scores["pc2"][9]!, 9);
        var variance = pca.ExplainedVariance();
        Assert.Equal(pca.Pca.ExplainedVarianceRatio[0], (double)variance["explained variance ratio"][0]!);

        // The projection is M·Vᵀ, not centred: one entry by hand.
        double byHand = 0;
        for (int d = 0; d < means.LatentDim; d++) byHand += gradCam.Values[3, 11, d].item<float>() * pca.Pca.Components[1, d];
        Assert.Equal(byHand, projections.Values[3, 11, 1].item<float>(), 5);

        using var tensor = maps.ToTensor();
        Assert.Equal(new long[] { 3, 2, 40, 40 }, tensor.shape);
        Assert.Equal(maps.Maps.Normalised[2, 1, 13, 21], tensor[2, 1, 13, 21].item<double>());
        double[,] mean = gradCam.MeanMap("(");
        Assert.Equal(new[] { means.LatentDim, data.L }, new[] { mean.GetLength(0), mean.GetLength(1) });
        Assert.Equal(means.LatentDim, means.Spread().Length);
    }

    [Fact]
    public void Wrong_combinations_of_steps_are_refused_with_a_reason()
    {
        using var symbols = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        using var eog = DatasetRegistry.Load("eog", TestData.DataDirectory);
        using var symbolsModel = ModelStore.Load(Checkpoint("symbols"), symbols.C, symbols.L, "symbols");
        using var eogModel = ModelStore.Load(Checkpoint("eog"), eog.C, eog.L, "eog");

        Assert.Contains("channel", Assert.Throws<ArgumentException>(() => GlobalSaliencySteps.Encode(symbolsModel.Model, eog)).Message);
        using var means = GlobalSaliencySteps.Encode(symbolsModel.Model, symbols);
        using var eogMeans = GlobalSaliencySteps.Encode(eogModel.Model, eog);
        Assert.Throws<ArgumentOutOfRangeException>(() => GlobalSaliencySteps.FitPca(means, components: means.LatentDim + 1));
        Assert.Contains("No sample", Assert.Throws<ArgumentException>(() => GlobalSaliencySteps.FitPca(means, fitWithout: "Flyover")).Message);
        Assert.ThrowsAny<ArgumentException>(() => new Saliency.Notebook.Explainers.GradCam(symbolsModel, "encoder.no.such.layer").Attribute(symbols));

        using var gradCam = new Saliency.Notebook.Explainers.GradCam(symbolsModel).Attribute(symbols);
        using var eogPca = GlobalSaliencySteps.FitPca(eogMeans);
        using var pca = GlobalSaliencySteps.FitPca(means);
        using var withoutOmega = GlobalSaliencySteps.FitPca(means, fitWithout: "\\Omega");
        Assert.Equal(symbols.N - symbols.Labels.Count(l => l == "\\Omega"), withoutOmega.Pca.SampleCount);
        Assert.Equal(symbols.N, (int)withoutOmega.Scores.shape[0]);
        Assert.NotEqual(eogPca.Pca.LatentDim, pca.Pca.LatentDim);                                // eog D = 32, symbols D = 16
        Assert.Contains("latent dimensions", Assert.Throws<ArgumentException>(() => GlobalSaliencySteps.Project(gradCam, eogPca)).Message);
        using var projections = GlobalSaliencySteps.Project(gradCam, pca);
        Assert.Contains("dataset", Assert.Throws<ArgumentException>(() => GlobalSaliencySteps.BinMaps(eog, projections)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GlobalSaliencySteps.BinMaps(symbols, projections, gridSize: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => GlobalSaliencySteps.BinMaps(symbols, projections, sigma: double.NaN));
        var maps = GlobalSaliencySteps.BinMaps(symbols, projections, gridSize: 20);
        Assert.Contains("different datasets", Assert.Throws<ArgumentException>(() => GlobalSaliencyResult.FromSteps(eogMeans, gradCam, pca, projections, maps)).Message);
        Assert.Contains("left out", Assert.Throws<ArgumentException>(() => GlobalSaliencyResult.FromSteps(means, gradCam, withoutOmega, projections, maps)).Message);
    }
}
