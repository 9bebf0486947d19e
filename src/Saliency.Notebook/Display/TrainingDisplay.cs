using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.IO;
using Saliency.Notebook.Models;
using Saliency.Notebook.Training;
using static TorchSharp.torch;

namespace Saliency.Notebook.Display;

/// <summary>
/// Trains a dataset's CVAE from a notebook cell with a live view: a <see cref="ProgressView"/> of the validation log-MSE
/// while it trains, replaced by the loss curves (<see cref="Views.Training"/>) when done. The notebook passes how to show
/// a value and update it, the same in .NET Interactive and in the headless runner:
/// <code>var model = TrainingDisplay.Train(dataset, epochs, device, view =&gt; display(view).Update);</code>
/// </summary>
public static class TrainingDisplay
{
    /// <summary>
    /// Trains the dataset's preset CVAE (<see cref="TrainingPresets.For(DatasetInfo, int, int)"/>: the paper dataset's own, or the preset for unknown data) for <paramref name="epochs"/> epochs on
    /// <paramref name="device"/>. <paramref name="show"/> displays its argument and returns the display's update action.
    /// Returns the best model (eval mode) with a card that records the run; nothing is written to disk.
    /// </summary>
    public static LoadedModel Train(TimeSeriesDataset data, int epochs, Device device, Func<object, Action<object>> show, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(show);
        TrainingPreset preset = TrainingPresets.For(data.Info, data.C, data.L);
        TrainingOptions options = preset.Options with { Epochs = epochs };
        var progress = new ProgressView($"Training {data.Info.Name} (D = {preset.Config.LatentDim}) on {device}", epochs);
        Action<object> update = show(progress);
        progress.Changed += view => update(view);
        TrainingResult result = new Trainer(preset.Config, options, device).Train(data.X,
            new SynchronousProgress<TrainingProgress>(p => progress.Report(p.Epoch, new Dictionary<string, double> { ["validation log-MSE"] = p.ValidationLogMse })), cancellation);
        update(Views.Training(result, data.Info.Name));
        var card = new ModelCard
        {
            Config = preset.Config,
            Dataset = data.Info.Name,
            Training = options.Hyperparameters(),
            Epochs = result.EpochsRun,
            EpochsRequested = epochs,
            BestEpoch = result.BestEpoch,
            BestValidationLogMse = result.BestValidationLogMse,
            TestLogMse = result.TestLogMse,
            TrainingSeconds = result.Elapsed.TotalSeconds,
            Device = device.ToString(),
            Source = "trained in a notebook",
            Notes = preset.Notes,
        };
        return new LoadedModel(result.Model, card, "(trained in this notebook, not saved)");
    }
}
