namespace Saliency.Notebook.Models;

/// <summary>
/// How a model was trained (§2.3), as its card records it: the defaults are the shipped checkpoints' lr 1e-3, batch 500,
/// kld_coef 0.1, llv_coef 1, gradient-norm clip 0.5, 80/20 then 80/20 split, seed 42. It lives with the models so that a card
/// (or an imported Lightning checkpoint) can say how its weights came about without the models depending on the trainer;
/// <c>Training.TrainingOptions</c> extends it with the settings of one run (epochs, checkpointing).
/// </summary>
public record TrainingHyperparameters
{
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

    /// <summary>Seed of the initialisation, the split, the shuffling, dropout and the latent samples (the paper's <c>seed_everything(42)</c>).</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Share of the data for training+validation (<c>train_ratio</c>); the rest is the test set.</summary>
    public double TrainRatio { get; init; } = 0.8;

    /// <summary>Share of the training part held out for validation (<c>val_ratio</c>).</summary>
    public double ValidationRatio { get; init; } = 0.2;

    /// <summary>These hyperparameters alone, without the settings a derived record adds (what a model card stores).</summary>
    public TrainingHyperparameters Hyperparameters() => new(this);
}
