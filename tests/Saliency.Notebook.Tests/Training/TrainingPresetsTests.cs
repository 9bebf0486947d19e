using Saliency.Notebook.Models;
using Saliency.Notebook.Training;

namespace Saliency.Notebook.Tests.Training;

public sealed class TrainingPresetsTests
{
    [Fact]
    public void PresetsMatchTheShippedCheckpointsAndTheAircraftFacts()
    {
        var symbols = TrainingPresets.For("symbols", 2, 60);
        Assert.Equal((16, 0.1, 0.1, LatentPrior.Standard), (symbols.Config.LatentDim, symbols.Config.Dropout, symbols.Options.KldCoef, symbols.Config.Prior));
        var eog = TrainingPresets.For("eog", 1, 200);
        Assert.Equal((32, 0.2, 0.01), (eog.Config.LatentDim, eog.Config.Dropout, eog.Options.KldCoef));
        var aircraft = TrainingPresets.For("aircraft", 2, 200);
        Assert.Equal((64, LatentPrior.VampPrior, TrainingPresets.AircraftComponents), (aircraft.Config.LatentDim, aircraft.Config.Prior, aircraft.Config.Components));
        Assert.Equal(64, TrainingPresets.For("aircraft-flyover", 2, 200).Config.LatentDim);
        Assert.Throws<ArgumentException>(() => TrainingPresets.For("mnist", 1, 28));
    }

    [Theory]
    [InlineData(60, 10, 3)]
    [InlineData(200, 10, 11)]
    [InlineData(128, 8, 7)]
    [InlineData(97, 1, 5)]
    [InlineData(12, 6, 3)]
    [InlineData(1000, 10, 17)]
    public void CustomPresetFitsAnyLength(int length, int factor, int kernel)
    {
        var preset = TrainingPresets.Custom(3, length);
        Assert.Equal((factor, kernel, 16, 0.1), (preset.Config.SamplingFactor, preset.Config.KernelSize, preset.Config.LatentDim, preset.Config.Dropout));
        preset.Config.Validate();
        using var model = new CVAE(preset.Config);
        using var x = TorchSharp.torch.zeros(2, 3, length);
        using var output = model.forward(x);
        Assert.Equal(new long[] { 2, 3, length }, output.Reconstruction.shape);
        Assert.NotNull(model.named_modules().FirstOrDefault(m => m.name == "encoder.0.layers.6").module as ChannelsLastConv1d);
    }

    [Fact]
    public void RegistryDatasetsGetTheirPresetAndOtherDataTheCustomOne()
    {
        Assert.Equal(32, TrainingPresets.For(Saliency.Notebook.Data.Datasets.DatasetRegistry.Eog, 1, 200).Config.LatentDim);
        var own = Saliency.Notebook.Data.Datasets.DatasetRegistry.Eog with { Name = "eog" }; // a copy, e.g. your own file named eog.csv
        Assert.Equal(TrainingPresets.CustomLatentDim, TrainingPresets.For(own, 1, 200).Config.LatentDim);
        var e = Assert.Throws<ArgumentException>(() => new CvaeConfig { Channels = 1, Length = 128, LatentDim = 4 }.Validate());
        Assert.Contains("Length 128 must be a positive multiple of SamplingFactor 10", e.Message);
        Assert.Contains("factors that divide 128: 1, 2, 4, 8, 16", e.Message);
        Assert.Contains("DefaultSamplingFactor(128) = 8", e.Message);
    }
}
