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
}
