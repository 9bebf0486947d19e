using System.Globalization;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Models;
using Saliency.Notebook.Plots;
using Saliency.Notebook.Training;
using static Saliency.Notebook.Display.ViewData;

namespace Saliency.Notebook.Display;

/// <summary>Views of the data, of a model (its card) and of a training run.</summary>
public static partial class Views
{
    /// <summary>
    /// The dataset: its description, the per-label summary table and the paper's dataset plot (series per label, trajectories per
    /// label coloured along time for the symbols, or trajectories coloured by label).
    /// </summary>
    public static KitView Dataset(TimeSeriesDataset data, int maxCurvesPerLabel = DefaultMaxCurvesPerLabel)
    {
        ArgumentNullException.ThrowIfNull(data);
        DatasetInfo info = data.Info;
        var view = new KitView($"Dataset {info.Name}")
            .Note($"{info.Description}. X (N, C, L) = ({data.N}, {data.C}, {data.L}); channels: {string.Join(", ", info.ChannelNames)}.")
            .Add(HtmlTable.From(data.Summary()));
        var labels = data.Labels;
        var classSizes = labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        if (info.PlotKind == PlotKind.TimeSeries)
        {
            (int[] rows, double alpha) = CurveSample(labels, maxCurvesPerLabel, SeriesDatasetAlpha);
            double[][] series = Series(data.X, 0);
            var chart = Charts.DatasetSeries(rows.Select(i => series[i]).ToArray(), rows.Select(i => labels[i]).ToArray(),
                $"{info.Name}: series per label ({Shown(rows.Length, data.N)})", alpha, classSizes: classSizes);
            view.Add(Figure.FromChart(chart, $"{info.Name}-dataset"));
        }
        else if (info.DatasetPlotAlongTime)
        {
            (int[] rows, _) = CurveSample(labels, maxCurvesPerLabel, 1);
            double[][][] trajectories = Trajectories(info, data.X);
            var chart = Charts.DatasetTrajectoriesOverTime(rows.Select(i => trajectories[i]).ToArray(), rows.Select(i => labels[i]).ToArray(),
                $"{info.Name}: trajectories per label, coloured along time ({Shown(rows.Length, data.N)})", invertY: info.InvertYAxis,
                xTitle: info.XAxisTitle, yTitle: info.YAxisTitle, classSizes: classSizes);
            view.Add(Figure.FromChart(chart, $"{info.Name}-dataset"));
        }
        else
        {
            (int[] rows, double alpha) = CurveSample(labels, maxCurvesPerLabel, TrajectoryDatasetAlpha * 5);
            double[][][] trajectories = Trajectories(info, data.X);
            var chart = Charts.DatasetTrajectories(rows.Select(i => trajectories[i]).ToArray(), rows.Select(i => labels[i]).ToArray(),
                $"{info.Name}: trajectories by label ({Shown(rows.Length, data.N)})", alpha, info.InvertYAxis,
                xTitle: info.XAxisTitle, yTitle: info.YAxisTitle, frame: Frame(info));
            view.Add(Figure.FromChart(chart, $"{info.Name}-dataset"));
        }
        return view;
    }

    /// <summary>
    /// The trajectories of one label alone, each point coloured along time from black (first point) to red (last), as the
    /// paper's flyover figure (aircraft-flyover/dataset_plot.ipynb cell 3); in degrees with the runways where the dataset has them.
    /// At most <paramref name="maxTrajectories"/> are drawn (evenly spaced; 150 of the 283 flyovers keep the figure under 0.5 MB),
    /// their points' opacity raised so that the ink where all overlap stays that of all (<see cref="CurveSample"/>).
    /// </summary>
    public static KitView AlongTime(TimeSeriesDataset data, string label, int maxTrajectories = 150)
    {
        ArgumentNullException.ThrowIfNull(data);
        DatasetInfo info = data.Info;
        if (info.PlotKind != PlotKind.Trajectory) throw new ArgumentException($"{info.Name} holds time series; AlongTime draws trajectories.", nameof(data));
        int[] members = Enumerable.Range(0, data.N).Where(i => data.Labels[i] == label).ToArray();
        if (members.Length == 0) throw new ArgumentException($"No sample of {info.Name} is labelled '{label}'; labels: {string.Join(", ", data.ClassNames)}.", nameof(label));
        (int[] drawn, double opacity) = CurveSample(members.Select(_ => label).ToArray(), maxTrajectories, 0.3);
        int[] rows = drawn.Select(k => members[k]).ToArray();
        double[][][] trajectories = Trajectories(info, data.X);
        var chart = Charts.DatasetTrajectoriesOverTime(rows.Select(i => trajectories[i]).ToArray(), rows.Select(_ => label).ToArray(),
            $"{info.Name}: label {LabelText.Display(label)} alone, coloured along time (black first, red last)", opacity: opacity, invertY: info.InvertYAxis,
            panelSize: 560, xTitle: info.XAxisTitle, yTitle: info.YAxisTitle, classSizes: new Dictionary<string, int> { [label] = members.Length },
            colourScale: Charts.BlackToRed, frame: Frame(info));
        return new KitView(null).Add(Figure.FromChart(chart, $"{info.Name}-{Slug(label)}-along-time"));
    }

    /// <summary>A loaded model: its card (architecture and training facts) and where it came from.</summary>
    public static KitView Model(LoadedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ModelCard(model.Card, $"Model {model.Card.Dataset ?? System.IO.Path.GetFileName(model.Path)}", model.Path);
    }

    /// <summary>A model card as a two-column table (architecture, prior, training settings and results; unknown facts left out).</summary>
    public static KitView ModelCard(ModelCard card, string? title = null, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(card);
        CvaeConfig config = card.Config;
        var facts = new List<(string, object?)>
        {
            ("loaded from", path),
            ("source", card.Source),
            ("dataset", card.Dataset),
            ("input (C × L)", $"{config.Channels} × {config.Length}"),
            ("latent dimensions D", config.LatentDim),
            ("encoder convolutions", $"{string.Join(" → ", config.HiddenDims)} channels, kernel {config.KernelSize}, dropout {F(config.Dropout)}"),
            ("average pooling", config.SamplingFactor),
            ("prior", config.Prior == LatentPrior.VampPrior ? $"VampPrior, {config.Components} pseudo-inputs" : "standard normal"),
            ("KL coefficient", card.Training?.KldCoef),
            ("batch size / learning rate", card.Training is { } t ? $"{t.BatchSize} / {F(t.LearningRate)}" : null),
            ("epochs run", card.Epochs),
            ("best epoch", card.BestEpoch),
            ("best validation log-MSE", card.BestValidationLogMse),
            ("test log-MSE", card.TestLogMse),
            ("training time", card.TrainingSeconds is { } s ? TimeSpan.FromSeconds(s).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : null),
            ("trained on", card.Device),
            ("notes", card.Notes),
        };
        return new KitView(title ?? "Model card").Add(FactTable(facts));
    }

    /// <summary>A finished training run: training loss and validation log-MSE per epoch, and where the best epoch was.</summary>
    public static KitView Training(TrainingResult result, string dataset)
    {
        ArgumentNullException.ThrowIfNull(result);
        double[] loss = result.History.Select(p => p.TrainLoss).ToArray();
        double[] validation = result.History.Select(p => p.ValidationLogMse).ToArray();
        return new KitView($"Training on {dataset}")
            .Note(string.Create(CultureInfo.InvariantCulture,
                $"{result.EpochsRun} epochs in {result.Elapsed.TotalSeconds:F0} s; best validation log-MSE {result.BestValidationLogMse:F3} at epoch {result.BestEpoch}, test log-MSE {result.TestLogMse:F3}."))
            .Row(
                new KitView(null).Add(Figure.FromChart(Charts.TrainingLoss(new[] { KeyValuePair.Create("training loss", loss) }, "Training loss (negative ELBO)", width: 520, height: 340), $"{dataset}-training-loss")),
                new KitView(null).Add(Figure.FromChart(Charts.Lines(Enumerable.Range(1, validation.Length).Select(e => (double)e).ToArray(),
                    new[] { KeyValuePair.Create("validation log-MSE", validation) }, "Validation log-MSE", "epoch", "log MSE", width: 520, height: 340), $"{dataset}-validation")));
    }
}
