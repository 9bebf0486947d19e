namespace Saliency.Notebook.Training;

/// <summary>
/// Training hyperparameters of §2.3 (defaults: the shipped checkpoints' lr 1e-3, batch 500, llv_coef 1, gradient-norm clip 0.5,
/// 80/20 then 80/20 split, seed 42) plus the kit's checkpointing settings.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Epochs to run in total (a resumed run continues up to this count).</summary>
    public int Epochs { get; init; } = 1000;

    /// <summary>Mini-batch size (<c>batch_size</c>); the last, smaller batch of an epoch is kept as in a default DataLoader.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>Adam learning rate (<c>lr</c>); betas (0.9, 0.999), eps 1e-8, no weight decay as in the checkpoints.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Weight of the Monte-Carlo KL term (<c>kld_coef</c>).</summary>
    public double KldCoef { get; init; } = 0.1;

    /// <summary>Weight of the Gaussian negative log-likelihood (<c>llv_coef</c>).</summary>
    public double LlvCoef { get; init; } = 1.0;

    /// <summary>Total gradient-norm clip (Lightning's <c>gradient_clip_val</c>).</summary>
    public double GradientClipNorm { get; init; } = 0.5;

    /// <summary>Seed of the initialisation, the split, the shuffling, dropout and the latent samples.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Share of the data for training+validation (<c>train_ratio</c>); the rest is the test set.</summary>
    public double TrainRatio { get; init; } = 0.8;

    /// <summary>Share of the training part held out for validation (<c>val_ratio</c>).</summary>
    public double ValidationRatio { get; init; } = 0.2;

    /// <summary>Write the resumable checkpoint every this many epochs (and at the end); 0 = only at the end.</summary>
    public int CheckpointEvery { get; init; } = 100;

    /// <summary>Resumable checkpoint file; null = no checkpoint.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Continue from <see cref="CheckpointPath"/> when it exists.</summary>
    public bool Resume { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"Epochs must be ≥ 1, got {Epochs}.");
        if (BatchSize < 1) throw new ArgumentException($"BatchSize must be ≥ 1, got {BatchSize}.");
        if (LearningRate <= 0) throw new ArgumentException($"LearningRate must be > 0, got {LearningRate}.");
        if (TrainRatio is <= 0 or > 1 || ValidationRatio is < 0 or >= 1) throw new ArgumentException($"Ratios out of range: train {TrainRatio}, validation {ValidationRatio}.");
        if (Resume && CheckpointPath is null) throw new ArgumentException("Resume needs a CheckpointPath.");
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
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        using var permutation = TorchSharp.torch.randperm(n, generator: generator);
        long[] order = permutation.data<long>().ToArray();
        return new DatasetSplit(order[..train], order[train..(train + validation)], order[(train + validation)..]);
    }
}
