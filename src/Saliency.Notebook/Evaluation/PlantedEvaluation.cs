using System.Diagnostics;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Training;
using static TorchSharp.torch;

namespace Saliency.Notebook.Evaluation;

/// <summary>
/// A seeded dataset whose two classes differ only inside a known window: every series is a random level and slope plus uniform noise;
/// the series of class <c>planted</c> (every even row) add a half-sine pulse of height 1 that is zero outside
/// [<see cref="WindowStart"/>, <see cref="WindowStart"/> + <see cref="WindowLength"/>). Its truth mask is that window for every series:
/// whatever separates the classes in the latent space can only be read there.
/// </summary>
public sealed record PlantedWindowData
{
    /// <summary>Series (even rows: planted, odd rows: plain).</summary>
    public int Count { get; init; } = 400;

    /// <summary>Series length L.</summary>
    public int Length { get; init; } = 60;

    /// <summary>First step of the window.</summary>
    public int WindowStart { get; init; } = 36;

    /// <summary>Steps in the window.</summary>
    public int WindowLength { get; init; } = 8;

    /// <summary>Seed of the series.</summary>
    public long Seed { get; init; } = 7;

    /// <summary>The series (N, 1, L) as a dataset named <c>planted</c>, labels <c>planted</c>/<c>plain</c>; the caller disposes it.</summary>
    public TimeSeriesDataset Generate()
    {
        Validate();
        var random = new Random((int)(Seed & int.MaxValue));
        var values = new float[Count, Length, 1];
        var labels = new string[Count];
        for (int i = 0; i < Count; i++)
        {
            labels[i] = i % 2 == 0 ? "planted" : "plain";
            double level = 0.2 * (random.NextDouble() - 0.5), slope = 0.2 * (random.NextDouble() - 0.5);
            for (int t = 0; t < Length; t++)
            {
                bool inWindow = t >= WindowStart && t < WindowStart + WindowLength;
                double pulse = labels[i] == "planted" && inWindow ? Math.Sin(Math.PI * (t - WindowStart + 0.5) / WindowLength) : 0;
                values[i, t, 0] = (float)(level + slope * t / Length + 0.05 * (random.NextDouble() - 0.5) + pulse);
            }
        }
        return TimeSeriesDataset.FromArrays(values, labels, new DatasetDescription { Name = "planted" });
    }

    /// <summary>The truth (N, L): true inside the window.</summary>
    public bool[,] Truth()
    {
        var truth = new bool[Count, Length];
        for (int i = 0; i < Count; i++)
            for (int t = WindowStart; t < WindowStart + WindowLength; t++) truth[i, t] = true;
        return truth;
    }

    /// <summary>Throws when the window does not fit the series or there are too few series.</summary>
    public void Validate()
    {
        if (Count < 4) throw new ArgumentOutOfRangeException(nameof(Count), Count, "Planted data need at least 4 series.");
        if (Length < 10) throw new ArgumentOutOfRangeException(nameof(Length), Length, "Planted series need at least 10 steps.");
        if (WindowLength < 1 || WindowStart < 0 || WindowStart + WindowLength > Length)
            throw new ArgumentException($"The window [{WindowStart}, {WindowStart + WindowLength}) must lie inside the {Length} steps.");
    }
}

/// <summary>
/// The evaluation on planted data: generates <see cref="PlantedWindowData"/>, trains a small CVAE on it (the preset for data of your
/// own, seeded, on the CPU unless a device is given) and evaluates every method as <see cref="LatentEvaluation"/> does, adding tint's
/// <c>aup</c>, <c>aur</c> and <c>auprc</c> of each map against the window.
/// </summary>
public static class PlantedEvaluation
{
    /// <summary>Epochs of the planted model's training: enough on the default data for PC1 to separate the classes.</summary>
    public const int DefaultEpochs = 60;

    /// <summary>
    /// Runs it. <paramref name="epochs"/> and <paramref name="trainingSeed"/> set the training; <paramref name="trainingProgress"/> hears
    /// each epoch, <paramref name="progress"/> each evaluation stage.
    /// </summary>
    public static EvaluationResult Run(PlantedWindowData? planted = null, EvaluationOptions? options = null, int epochs = DefaultEpochs, long trainingSeed = 1,
        IProgress<TrainingProgress>? trainingProgress = null, IProgress<EvaluationProgress>? progress = null)
    {
        planted ??= new PlantedWindowData();
        options ??= new EvaluationOptions();
        planted.Validate();
        options.Validate();
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Training needs at least one epoch.");
        using var data = planted.Generate();
        var preset = TrainingPresets.Custom(data.C, data.L);
        var trainingOptions = preset.Options with { Epochs = epochs, BatchSize = 64, LearningRate = 5e-3, Seed = trainingSeed };
        var clock = Stopwatch.StartNew();
        var training = new Trainer(preset.Config, trainingOptions, options.Device ?? CPU).Train(data.X, trainingProgress);
        double trainingSeconds = clock.Elapsed.TotalSeconds;
        using var model = training.Model;
        var result = LatentEvaluation.Run(model, data, options, progress, planted.Truth());
        return new EvaluationResult(result.Dataset, result.Samples, result.Target, result.Options, result.Device, result.BatchSize, result.Rows,
            result.Curves, result.SubsetSamples, result.Seconds)
        {
            Planted = new PlantedSetup(planted.WindowStart, planted.WindowLength, planted.Seed, trainingSeed, training.EpochsRun,
                training.BestValidationLogMse, trainingSeconds),
        };
    }
}
