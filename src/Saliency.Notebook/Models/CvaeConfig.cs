using System.Text.Json.Serialization;

namespace Saliency.Notebook.Models;

/// <summary>The prior of the latent space: the paper's <c>prior</c> hyperparameter.</summary>
public enum LatentPrior
{
    /// <summary><c>standard</c>: N(0, I), the NormalLSR of the shipped symbols/eog checkpoints.</summary>
    Standard,

    /// <summary><c>vampprior</c>: a learned mixture over K pseudo-inputs run through the encoder (VampPriorLSR).</summary>
    VampPrior,
}

/// <summary>
/// Architecture of the paper's convolutional VAE (§2.1): input (C, L), latent size D, conv widths h_dims,
/// odd kernel size, dropout, temporal pooling factor and prior. Training hyperparameters live in
/// <see cref="TrainingHyperparameters"/>.
/// </summary>
public sealed record CvaeConfig
{
    /// <summary>Input channels C.</summary>
    public required int Channels { get; init; }

    /// <summary>Series length L; must be a multiple of <see cref="SamplingFactor"/> so the decoder returns length L.</summary>
    public required int Length { get; init; }

    /// <summary>Latent size D (<c>encoding_dim</c>).</summary>
    public required int LatentDim { get; init; }

    /// <summary>Conv widths (<c>h_dims</c>); the encoder has one conv per entry, the last entry is the pooled width.</summary>
    public IReadOnlyList<int> HiddenDims { get; init; } = new[] { 16, 16, 16 };

    /// <summary>Conv kernel size (<c>kernel_size</c>); odd, so that 'same' padding is symmetric as in the original.</summary>
    public int KernelSize { get; init; } = 17;

    /// <summary>Dropout after each hidden ReLU of the encoder; no Dropout module exists when 0 (as in the original).</summary>
    public double Dropout { get; init; }

    /// <summary>AvgPool1d kernel and stride after the convs, and the decoder's upsampling factor (<c>sampling_factor</c>).</summary>
    public int SamplingFactor { get; init; } = 10;

    /// <summary>Latent prior.</summary>
    public LatentPrior Prior { get; init; } = LatentPrior.Standard;

    /// <summary>VampPrior mixture components K (<c>n_components</c>); ignored by the standard prior.</summary>
    public int Components { get; init; } = 500;

    /// <summary>Initial value of the decoder's learned Gaussian σ (<c>scale</c>).</summary>
    public double InitialScale { get; init; } = 1.0;

    /// <summary>Pooled time steps L / SamplingFactor.</summary>
    [JsonIgnore]
    public int PooledLength => Length / SamplingFactor;

    /// <summary>Flattened encoder output size h_dims[-1] · L / SamplingFactor (channel-major).</summary>
    [JsonIgnore]
    public int EncodedSize => HiddenDims[^1] * PooledLength;

    /// <summary>The paper's pooling factor 10 when it divides <paramref name="length"/>, else the largest divisor of L below 10 (1 for a prime L &gt; 10: no pooling).</summary>
    public static int DefaultSamplingFactor(int length)
    {
        if (length < 1) throw new ArgumentException($"the series length must be positive; got {length}.", nameof(length));
        return Divisors(length).Where(d => d <= 10).Max();
    }

    private static IEnumerable<int> Divisors(int n) => Enumerable.Range(1, Math.Max(0, n)).Where(d => n % d == 0);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public void Validate()
    {
        if (Channels < 1) throw new ArgumentException($"Channels must be ≥ 1, got {Channels}.");
        if (LatentDim < 1) throw new ArgumentException($"LatentDim must be ≥ 1, got {LatentDim}.");
        if (HiddenDims.Count < 1 || HiddenDims.Any(h => h < 1)) throw new ArgumentException($"HiddenDims must be a non-empty list of positive widths, got [{string.Join(",", HiddenDims)}].");
        if (KernelSize < 1 || KernelSize % 2 == 0) throw new ArgumentException($"KernelSize must be odd (symmetric 'same' padding), got {KernelSize}.");
        if (!(Dropout is >= 0 and < 1)) throw new ArgumentException($"Dropout must be in [0, 1), got {Dropout}.");
        if (SamplingFactor < 1 || Length < SamplingFactor || Length % SamplingFactor != 0)
            throw new ArgumentException($"Length {Length} must be a positive multiple of SamplingFactor {SamplingFactor} (the encoder pools and the decoder upsamples by it); " +
                                        $"factors that divide {Length}: {string.Join(", ", Divisors(Length).Where(d => d <= 20))} (CvaeConfig.DefaultSamplingFactor({Length}) = {DefaultSamplingFactor(Math.Max(1, Length))}).");
        if (Prior == LatentPrior.VampPrior && Components < 1) throw new ArgumentException($"VampPrior needs Components ≥ 1, got {Components}.");
    }
}
