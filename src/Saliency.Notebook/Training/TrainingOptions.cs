using Saliency.Notebook.Models;

namespace Saliency.Notebook.Training;

/// <summary>
/// The settings of one training run: the <see cref="TrainingHyperparameters"/> a model card records, plus how long to train and
/// the kit's checkpointing (file, interval, resume).
/// </summary>
public sealed record TrainingOptions : TrainingHyperparameters
{
    /// <summary>Epochs to run in total (a resumed run continues up to this count).</summary>
    public int Epochs { get; init; } = 1000;

    /// <summary>Write the resumable checkpoint every this many epochs (and at the end); 0 = only at the end.</summary>
    public int CheckpointEvery { get; init; } = 100;

    /// <summary>Resumable checkpoint file; null = no checkpoint.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Continue from <see cref="CheckpointPath"/>, which must exist and belong to the same data, architecture and hyperparameters.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// Start afresh even when <see cref="CheckpointPath"/> already holds a checkpoint, replacing it. Without it (or <see cref="Resume"/>)
    /// an existing checkpoint is an error, so a stopped run's progress is never thrown away by accident.
    /// </summary>
    public bool Overwrite { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"Epochs must be ≥ 1, got {Epochs}.");
        if (BatchSize < 1) throw new ArgumentException($"BatchSize must be ≥ 1, got {BatchSize}.");
        // Written so that NaN fails: a NaN rate or weight makes every validation log-MSE NaN, and no epoch could be kept.
        if (!(LearningRate > 0 && double.IsFinite(LearningRate))) throw new ArgumentException($"LearningRate must be a finite number > 0, got {LearningRate}.");
        if (!(KldCoef >= 0 && double.IsFinite(KldCoef))) throw new ArgumentException($"KldCoef must be a finite number ≥ 0, got {KldCoef}.");
        if (!(LlvCoef > 0 && double.IsFinite(LlvCoef))) throw new ArgumentException($"LlvCoef must be a finite number > 0, got {LlvCoef}.");
        if (!(TrainRatio is > 0 and <= 1) || !(ValidationRatio is >= 0 and < 1)) throw new ArgumentException($"Ratios out of range: train {TrainRatio}, validation {ValidationRatio}.");
        // A negative norm flips the clipped gradient (Adam then climbs the loss) and 0 freezes the weights, both without a word.
        if (!(GradientClipNorm > 0 && double.IsFinite(GradientClipNorm))) throw new ArgumentException($"GradientClipNorm must be a finite number > 0, got {GradientClipNorm}.");
        if (CheckpointEvery < 0) throw new ArgumentException($"CheckpointEvery must be ≥ 0 (0: only at the end), got {CheckpointEvery}.");
        if (Resume && CheckpointPath is null) throw new ArgumentException("Resume needs a CheckpointPath.");
        if (Resume && Overwrite) throw new ArgumentException("Resume and Overwrite exclude each other: one continues the checkpoint, the other replaces it.");
    }
}

/// <summary>One epoch's report, for live plots and progress bars.</summary>
/// <param name="Epoch">1-based epoch just finished.</param>
/// <param name="Epochs">Total epochs of the run.</param>
/// <param name="TrainLoss">Mean negative ELBO over the epoch's batches.</param>
/// <param name="ValidationLogMse">log MSE(x̂, x) on the validation set, x̂ decoded from a sampled z.</param>
/// <param name="BestValidationLogMse">Lowest validation log-MSE so far.</param>
/// <param name="BestEpoch">Epoch of that best value.</param>
/// <param name="Elapsed">Training time so far (including earlier, resumed sessions).</param>
public sealed record TrainingProgress(int Epoch, int Epochs, double TrainLoss, double ValidationLogMse, double BestValidationLogMse, int BestEpoch, TimeSpan Elapsed);

/// <summary>Index sets of the seeded train/validation/test split (§2.3: train=int(N·0.8), test=N−train, val=int(train·0.2), train−=val).</summary>
/// <param name="Train">Training indices.</param>
/// <param name="Validation">Validation indices.</param>
/// <param name="Test">Test indices.</param>
public sealed record DatasetSplit(long[] Train, long[] Validation, long[] Test)
{
    /// <summary>Splits 0..n−1 by one seeded random permutation (torch.randperm with a generator seeded by <paramref name="seed"/>).</summary>
    public static DatasetSplit Create(int n, long seed, double trainRatio = 0.8, double validationRatio = 0.2)
    {
        int train = (int)(n * trainRatio);
        int validation = (int)(train * validationRatio);
        train -= validation;
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        using var scope = TorchSharp.torch.NewDisposeScope();
        long[] order = TorchSharp.torch.randperm(n, generator: generator).data<long>().ToArray();
        return new DatasetSplit(order[..train], order[train..(train + validation)], order[(train + validation)..]);
    }
}
