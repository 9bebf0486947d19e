using System.Globalization;
using Saliency.Notebook.Explainers;
using static TorchSharp.torch;

namespace Saliency.Notebook.Evaluation;

/// <summary>
/// What <see cref="LatentEvaluation"/> computes and how: the methods (all eight and a <c>random</c> row by default), the latent
/// target, the removal curves' resolution and fill, the max-sensitivity noise, the bootstrap and the one seed everything random
/// derives from. The defaults are the cited papers' (ROAD's noise 0.01, Captum's radius 0.02 and 10 perturbations).
/// </summary>
public sealed record EvaluationOptions
{
    /// <summary>Method names of <see cref="MethodRegistry"/>; empty means all eight.</summary>
    public IReadOnlyList<string> Methods { get; init; } = [];

    /// <summary>Whether the table has a <c>random</c> row (i.i.d. uniform maps, redrawn at every call): the chance level.</summary>
    public bool IncludeRandom { get; init; } = true;

    /// <summary>The latent target: <c>pc1</c> (the first principal direction of the data's posterior means; <c>pcK</c> likewise) or <c>dim:K</c> (latent dimension K, 0-based).</summary>
    public string Target { get; init; } = "pc1";

    /// <summary>Steps of the removal curves: positions are removed in <c>FractionSteps</c> equal parts (11 points for 10, ROAD's 10 % steps).</summary>
    public int FractionSteps { get; init; } = 10;

    /// <summary>How removed time steps are filled (ROAD's noisy linear imputation by default; <see cref="RemovalFill.Constant"/>(−1) is the paper's).</summary>
    public RemovalFill Fill { get; init; } = RemovalFill.NoisyLinear();

    /// <summary>Max-sensitivity's radius: each input value moves by noise uniform in ±radius, in the data's units (Captum's 0.02).</summary>
    public double SensitivityRadius { get; init; } = 0.02;

    /// <summary>Max-sensitivity's perturbations per sample (Captum's 10).</summary>
    public int SensitivityPerturbations { get; init; } = 10;

    /// <summary>
    /// The default of <see cref="SubsetSamples"/>, the sanity checks' 64: max-sensitivity costs (perturbations + 1) attribution passes
    /// per sample and the randomisation one more, which for the path methods (IG: 51 passes through the model per sample) would cost
    /// more than the rest of the table together.
    /// </summary>
    public const int DefaultSubsetSamples = 64;

    /// <summary>Samples (a seeded choice) max-sensitivity and the randomisation distance are computed on; null: all. The removal curves always use all.</summary>
    public int? SubsetSamples { get; init; } = DefaultSubsetSamples;

    /// <summary>Bootstrap resamples of the samples for each number's spread.</summary>
    public int Resamples { get; init; } = 1000;

    /// <summary>The seed every random draw derives from (imputation noise, random maps, perturbations, the randomised model, the bootstrap).</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Rows per pass through the model (default: <see cref="LatentExplainer.DefaultBatchSizeFor"/> the device).</summary>
    public int? BatchSize { get; init; }

    /// <summary>Device to compute on (default: the model's).</summary>
    public Device? Device { get; init; }

    /// <summary>The methods' settings (the registry's defaults: GradCAM |M| at the paper's layer, 50 IG steps).</summary>
    public MethodSettings Settings { get; init; } = MethodSettings.Default;

    /// <summary>Throws an <see cref="ArgumentException"/> that names the first bad setting.</summary>
    public void Validate()
    {
        foreach (string name in Methods) MethodRegistry.Get(name);
        ParseTarget(Target);
        if (FractionSteps < 1) throw new ArgumentOutOfRangeException(nameof(FractionSteps), FractionSteps, "The removal curves need at least one step.");
        ArgumentNullException.ThrowIfNull(Fill);
        if (!(SensitivityRadius >= 0) || !double.IsFinite(SensitivityRadius))
            throw new ArgumentOutOfRangeException(nameof(SensitivityRadius), SensitivityRadius, "The sensitivity radius must be finite and ≥ 0.");
        if (SensitivityPerturbations < 1) throw new ArgumentOutOfRangeException(nameof(SensitivityPerturbations), SensitivityPerturbations, "At least one perturbation is needed.");
        if (SubsetSamples is < 1) throw new ArgumentOutOfRangeException(nameof(SubsetSamples), SubsetSamples, "Max-sensitivity needs at least one sample.");
        if (Resamples < 0) throw new ArgumentOutOfRangeException(nameof(Resamples), Resamples, "The number of bootstrap resamples cannot be negative.");
        if (BatchSize is < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batchSize must be at least 1.");
    }

    /// <summary>
    /// Reads a target: <c>pcK</c> gives (principal component K, null), <c>dim:K</c> gives (null, latent dimension K); anything else is
    /// an error that says what is accepted.
    /// </summary>
    public static (int? Component, int? Dimension) ParseTarget(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        string t = target.Trim().ToLowerInvariant();
        if (t.StartsWith("pc", StringComparison.Ordinal) && int.TryParse(t.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k >= 1)
            return (k, null);
        if (t.StartsWith("dim:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int d))
            return (null, d);
        throw new ArgumentException($"The target must be pc1 (or pcK, a principal direction of the latent space) or dim:K (latent dimension K, 0-based); got '{target}'.");
    }
}
