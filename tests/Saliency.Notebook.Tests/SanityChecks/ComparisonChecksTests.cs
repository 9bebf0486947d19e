using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using Saliency.Notebook.SanityChecks;
using Saliency.Notebook.Training;
using Saliency.Notebook.Tests.Training;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.SanityChecks;

/// <summary>
/// The two-model checks on synthetic data, and the errors every check gives for inputs it cannot take. Training seeds torch's
/// process-wide generator, so in the serial collection.
/// </summary>
[Collection(GlobalTorchRandomness.Name)]
public class ComparisonChecksTests
{
    private static SanityData Flyovers()
    {
        var data = SyntheticData.Uniform(40, 20, seed: 4, name: "aircraft-flyover");
        return data with { Labels = data.Labels.Select(l => l == "a" ? "Flyover" : "East").ToArray() };
    }

    [Fact]
    public void Flyover_models_compare_two_models_and_a_model_with_itself_differs_by_nothing()
    {
        using var trained = SyntheticEncoder.RandomConv(2, 20, 4, seed: 1);
        using var landing = SyntheticEncoder.RandomConv(2, 20, 4, seed: 2);
        var check = new FlyoverModelsCheck { GridSize = 30, Sigma = 1 };
        var inputs = new SanityCheckInputs { Model = trained, BaselineModel = landing, Data = Flyovers(), Settings = new MethodSettings { Layer = "encoder.2" } };

        var different = check.Run(inputs);
        var same = check.Run(inputs with { BaselineModel = trained });

        Assert.Equal(2 * 4, different.Rows.Rows.Count);                         // 2 models × min(8, D = 4) components
        double distance = (double)different.Summary["flyover_map_one_minus_cosine"];
        Assert.InRange(distance, 1e-6, 1);                                       // non-negative maps: cosine in [0, 1]
        foreach (var model in new[] { "flyover-trained", "landing-only" })
            Assert.InRange((double)different.Summary[$"{model}.flyover_mass_inside_box"], 0.5, 1);
        // Same model, but the landing-only PCA is fitted without flyovers: the maps may differ a little, never more than for another model.
        Assert.True((double)same.Summary["flyover_map_one_minus_cosine"] < distance);
    }

    /// <summary>A seeded two-conv CVAE with the shape of <see cref="SmallSingleClass"/>'s data.</summary>
    private static CVAE SmallCheckpoint()
    {
        manual_seed(3);
        return new CVAE(new CvaeConfig { Channels = 2, Length = 20, LatentDim = 3, HiddenDims = [4, 4], KernelSize = 5, SamplingFactor = 10 });
    }

    /// <summary>A single-class check short enough for a test (4 epochs, a 20 × 20 grid) on 60 synthetic series, class a.</summary>
    private static (SingleClassCheck Check, SanityCheckInputs Inputs) SmallSingleClass(CVAE checkpoint) =>
        (new SingleClassCheck { TrainingEpochs = 4, Training = new TrainingOptions { BatchSize = 64 }, GridSize = 20, Sigma = 1 },
         new SanityCheckInputs { Model = checkpoint, Data = SyntheticData.Uniform(60, 20, seed: 5), Settings = new MethodSettings { Layer = "encoder.0.layers.2" }, Labels = ["a"] });

    [Fact]
    public void Single_class_training_is_seeded_and_reports_every_model()
    {
        using var checkpoint = SmallCheckpoint();
        var (check, inputs) = SmallSingleClass(checkpoint);

        var first = check.Run(inputs);
        var second = check.Run(inputs);

        Assert.Equal(new[] { "single-class", "all-classes", "checkpoint" }, first.Rows["model"].Cast<string>());
        var values = first.Rows["map_density_pearson"].Cast<double?>().Select(v => v!.Value).ToArray();
        Assert.All(values, v => Assert.InRange(v, -1, 1));
        // Same seed, same numbers, to the bit (libtorch's float32 ConvTranspose1d made this test fail now and then with NaN).
        var repeated = second.Rows["map_density_pearson"].Cast<double?>().Select(v => v!.Value).ToArray();
        Assert.Equal(values, repeated);
    }

    [Fact]
    public void Single_class_with_several_methods_gives_each_method_what_it_gives_alone()
    {
        using var checkpoint = SmallCheckpoint();
        var (check, inputs) = SmallSingleClass(checkpoint);

        var both = check.Run(inputs with { Methods = ["gradcam", "gradient"] });
        Assert.Equal("gradcam,gradient", both.Method);
        Assert.Equal(new[] { "gradcam", "gradient" }, both.Curves.Single().XNames);
        Assert.Equal(new[] { "single-class", "all-classes", "checkpoint" }, both.Curves.Single().Series.Select(s => s.Name));
        foreach (var method in new[] { "gradcam", "gradient" })
        {
            var alone = check.Run(inputs with { Methods = [method] });
            foreach (var model in new[] { "single-class", "all-classes", "checkpoint" })
                Assert.Equal((double)alone.Summary[$"a.{model}.map_density_pearson"], (double)both.Summary[$"{method}.a.{model}.map_density_pearson"]);
        }
    }

    [Fact]
    public void Single_class_trains_a_loaded_checkpoints_own_architecture()
    {
        // Four convolutions, as the authors' checkpoints: the last is encoder.0.layers.6, which the default architecture (three) lacks.
        var config = new CvaeConfig { Channels = 2, Length = 20, LatentDim = 3, HiddenDims = [4, 4, 4, 4], KernelSize = 5, SamplingFactor = 10 };
        manual_seed(3);
        using var loaded = new LoadedModel(new CVAE(config), new ModelCard { Config = config }, "(in memory)");
        var check = new SingleClassCheck { TrainingEpochs = 1, Training = new TrainingOptions { BatchSize = 64 }, GridSize = 10, Sigma = 1 };
        var inputs = new SanityCheckInputs { Model = loaded, Data = SyntheticData.Uniform(60, 20, seed: 5), Settings = new MethodSettings { Layer = "encoder.0.layers.6" }, Labels = ["a"] };

        var result = check.Run(inputs);

        Assert.Equal(new[] { "single-class", "all-classes", "checkpoint" }, result.Rows["model"].Cast<string>());
    }

    [Fact]
    public void Single_class_covers_every_class_by_default_and_a_repeated_label_once()
    {
        var config = new CvaeConfig { Channels = 2, Length = 20, LatentDim = 3, HiddenDims = [4, 4], KernelSize = 5, SamplingFactor = 10 };
        using var checkpoint = new CVAE(config);
        var check = new SingleClassCheck { TrainingEpochs = 2, Training = new TrainingOptions { BatchSize = 64 }, GridSize = 10, Sigma = 1 };
        var data = SyntheticData.Uniform(60, 20, seed: 5);

        var every = check.Run(new SanityCheckInputs { Model = checkpoint, Data = data, Settings = new MethodSettings { Layer = "encoder.0.layers.2" } });
        var repeated = check.Run(new SanityCheckInputs { Model = checkpoint, Data = data, Settings = new MethodSettings { Layer = "encoder.0.layers.2" }, Labels = ["b", "b"] });

        Assert.Equal(new[] { "a", "a", "a", "b", "b", "b" }, every.Rows["label"].Cast<string>());
        Assert.Equal(new[] { "b", "b", "b" }, repeated.Rows["label"].Cast<string>());
    }

    [Fact]
    public void Bad_inputs_give_clear_errors()
    {
        using var model = SyntheticEncoder.RandomConv(2, 20, 4, seed: 1);
        var symbols = SyntheticData.Uniform(20, 20, seed: 1);

        var unknown = Assert.Throws<ArgumentException>(() => SanityCheckRegistry.Get("nonsense"));
        Assert.Contains("Unknown check 'nonsense'", unknown.Message);
        Assert.Contains("randomisation", unknown.Message);

        var wrongDataset = Assert.Throws<ArgumentException>(() =>
            new FlyoverModelsCheck().Run(new SanityCheckInputs { Model = model, BaselineModel = model, Data = symbols }));
        Assert.Contains("does not apply to dataset 'symbols'", wrongDataset.Message);

        var noBaseline = Assert.Throws<ArgumentException>(() =>
            new FlyoverModelsCheck().Run(new SanityCheckInputs { Model = model, Data = Flyovers() }));
        Assert.Contains("needs a baseline model", noBaseline.Message);

        var wrongMethod = Assert.Throws<ArgumentException>(() =>
            new GlobalMaskingCheck().Run(new SanityCheckInputs { Model = model, Data = symbols, Methods = ["fourier-ig"] }));
        Assert.Contains("does not apply to method 'fourier-ig'", wrongMethod.Message);   // frequency bins cannot be masked as time steps
        var unknownMethod = Assert.Throws<ArgumentException>(() =>
            new GlobalMaskingCheck().Run(new SanityCheckInputs { Model = model, Data = symbols, Methods = ["occlusion"] }));
        Assert.Contains("Unknown method 'occlusion'", unknownMethod.Message);

        var unknownLabel = Assert.Throws<ArgumentException>(() =>
            new GlobalMaskingCheck().Run(new SanityCheckInputs { Model = model, Data = symbols, Labels = ["zzz"] }));
        Assert.Contains("labelled 'zzz'", unknownLabel.Message);

        // A check that runs one method refuses two instead of reporting both and computing the first only.
        var twoMethods = Assert.Throws<ArgumentException>(() =>
            new GlobalMaskingCheck().Run(new SanityCheckInputs { Model = model, Data = symbols, Methods = ["guided", "gradcam"] }));
        Assert.Contains("runs one method at a time; got guided, gradcam", twoMethods.Message);
        // Labels restrict per-class checks only; a check that ignores them says so.
        var labelsIgnored = Assert.Throws<ArgumentException>(() =>
            new TranslationCheck().Run(new SanityCheckInputs { Model = model, Data = symbols, Labels = ["a"] }));
        Assert.Contains("check 'translation' does not report per class", labelsIgnored.Message);
        Assert.Equal(new[] { "global-masking", "local-masking", "kept-removed", "single-class" },
            SanityCheckRegistry.All.Where(c => c.IsPerClass).Select(c => c.Name));
        Assert.Equal(new[] { "single-class", "translation", "corruption", "randomisation" },
            SanityCheckRegistry.All.Where(c => c.ComparesMethods).Select(c => c.Name));

        Assert.Equal(8, SanityCheckRegistry.All.Count);
        Assert.All(SanityCheckRegistry.All, c => Assert.False(string.IsNullOrWhiteSpace(c.Description)));
    }
}
