using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>What <see cref="CVAE.forward"/> returns: the posterior parameters, the latent code used and the reconstruction.</summary>
/// <param name="Loc">Posterior mean (B, D).</param>
/// <param name="Scale">Posterior standard deviation (B, D).</param>
/// <param name="Z">Latent code (B, D): a reparameterised sample, or <paramref name="Loc"/> when not sampling.</param>
/// <param name="Reconstruction">Decoded x̂ (B, C, L).</param>
public sealed record CvaeOutput(Tensor Loc, Tensor Scale, Tensor Z, Tensor Reconstruction) : IDisposable
{
    /// <summary>Disposes the four tensors (Z may be Loc itself).</summary>
    public void Dispose()
    {
        Loc.Dispose();
        Scale.Dispose();
        if (!ReferenceEquals(Z, Loc)) Z.Dispose();
        Reconstruction.Dispose();
    }
}

/// <summary>
/// The paper's convolutional VAE (deep_traffic_generation/cvae.py, §2.1) with the original module tree, so that its
/// state_dict keys equal the authors' checkpoints one to one: <c>scale</c>, <c>encoder.0.layers.{0,3,6}</c> (the GradCAM
/// target is <c>encoder.0.layers.6</c>, the last conv), <c>lsr.z_loc</c>, <c>lsr.z_log_var.0</c>, <c>decoder.initial_layer.0</c>,
/// <c>decoder.deconv_layers.*</c>. Deterministic by default: it starts in eval mode and <see cref="forward"/> uses the
/// posterior mean unless training or <see cref="SampleLatent"/> is set.
/// </summary>
public sealed class CVAE : nn.Module<Tensor, CvaeOutput>, IComplexStepEncoder
{
    private readonly Parameter scale;
    private readonly Sequential encoder;
    private readonly LatentSpaceHead lsr;
    private readonly ConvDecoder decoder;

    /// <summary>Builds a freshly initialised model (TorchSharp/PyTorch default initialisation, from the global torch RNG).</summary>
    public CVAE(CvaeConfig config) : base("CVAE")
    {
        config.Validate();
        Config = config;
        scale = new Parameter(full(1, config.InitialScale));
        encoder = nn.Sequential(new ConvNetwork(config.Channels, config.HiddenDims, config.KernelSize, config.Dropout),
            nn.AvgPool1d(config.SamplingFactor), nn.Flatten());
        lsr = config.Prior switch
        {
            LatentPrior.Standard => new NormalLatentHead(config.EncodedSize, config.LatentDim),
            LatentPrior.VampPrior => new VampPriorLatentHead(config.EncodedSize, config.LatentDim, config.Components, config.Channels, config.Length),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Prior, "Unknown prior."),
        };
        decoder = new ConvDecoder(config);
        RegisterComponents();
        eval();
    }

    /// <summary>The architecture this model was built from.</summary>
    public CvaeConfig Config { get; }

    /// <summary>When true, <see cref="forward"/> samples z in eval mode too (the original always sampled).</summary>
    public bool SampleLatent { get; set; }

    /// <summary>The decoder's learned Gaussian σ (<c>scale</c>, shape (1,)).</summary>
    public Parameter DecoderScale => scale;

    /// <summary>The encoder's conv stack (<c>encoder.0</c>).</summary>
    public ConvNetwork Convolutions => (ConvNetwork)encoder[0];

    /// <summary>The latent-space head (<c>lsr</c>).</summary>
    public LatentSpaceHead LatentHead => lsr;

    /// <inheritdoc/>
    public int Channels => Config.Channels;

    /// <inheritdoc/>
    public int Length => Config.Length;

    /// <inheritdoc/>
    public int LatentDim => Config.LatentDim;

    /// <inheritdoc/>
    public nn.Module Root => this;

    /// <summary>Encoder output h (B, h_dims[-1]·L/s), channel-major, from x (B, C, L).</summary>
    public Tensor Encode(Tensor x) => encoder.call(x);

    /// <summary>Posterior mean loc (B, D); evaluated with dropout off whatever the current mode, differentiable.</summary>
    public Tensor PosteriorMean(Tensor x) => InEvalMode(() => lsr.Loc(Encode(x)));

    /// <summary>Posterior standard deviation (B, D) with dropout off.</summary>
    public Tensor PosteriorScale(Tensor x) => InEvalMode(() => lsr.Scale(Encode(x)));

    /// <summary>Reparameterised sample loc + ε·scale, ε ~ N(0, I) from <paramref name="generator"/> or the global torch RNG.</summary>
    public static Tensor RSample(Tensor loc, Tensor scale, Generator? generator = null)
    {
        using var noise = randn(loc.shape, dtype: loc.dtype, device: loc.device, generator: generator);
        return loc + noise * scale;
    }

    /// <summary>Decodes z (B, D) to x̂ (B, C, L).</summary>
    public Tensor Decode(Tensor z) => decoder.call(z);

    /// <summary>Reconstruction x̂ of x with dropout off: decoded from the posterior mean, or from a sample when <paramref name="sample"/>.</summary>
    public Tensor Reconstruct(Tensor x, bool sample = false) => InEvalMode(() =>
    {
        using var scope = NewDisposeScope();
        var h = Encode(x);
        var loc = lsr.Loc(h);
        var z = sample ? RSample(loc, lsr.Scale(h)) : loc;
        return Decode(z).MoveToOuterDisposeScope();
    });

    /// <summary>
    /// The original VAE.forward: (loc, scale), z, x̂ in the current mode. z is a reparameterised sample in training mode or
    /// when <see cref="SampleLatent"/>; otherwise z is loc.
    /// </summary>
    public override CvaeOutput forward(Tensor x)
    {
        var h = Encode(x);
        var loc = lsr.Loc(h);
        var posteriorScale = lsr.Scale(h);
        var z = training || SampleLatent ? RSample(loc, posteriorScale) : loc;
        return new CvaeOutput(loc, posteriorScale, z, Decode(z));
    }

    /// <summary>log p(z) summed over latent dims, (B,): standard normal, or the VampPrior mixture through this encoder.</summary>
    public Tensor PriorLogDensity(Tensor z) => lsr.PriorLogDensity(z, Encode);

    /// <inheritdoc/>
    /// <remarks>
    /// Computed on the real and imaginary parts separately, which is exact because every weight is real: PyTorch's complex
    /// conv1d uses Gauss's three-multiplication trick (imag = t3 − t1 − t2), which cancels an imaginary part of 1e-20 to noise.
    /// </remarks>
    public Tensor PosteriorMeanComplex(Tensor x)
    {
        if (x.dtype != ScalarType.ComplexFloat64) throw new ArgumentException($"PosteriorMeanComplex needs complex128 input, got {x.dtype}.", nameof(x));
        using var scope = NewDisposeScope();
        var (real, imaginary) = Convolutions.ForwardComplex(x.real.contiguous(), x.imag.contiguous());   // (B, H, L) each
        var weight = lsr.ZLoc.weight!.to(ScalarType.Float64);
        var bias = lsr.ZLoc.bias!.to(ScalarType.Float64);
        var locReal = PoolAndFlatten(real).matmul(weight.t()).add(bias);
        var locImaginary = PoolAndFlatten(imaginary).matmul(weight.t());
        return complex(locReal, locImaginary).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    /// <remarks>
    /// With real weights the imaginary part propagates linearly, so the real part runs once per sample (for the ReLU masks) and each
    /// perturbation's imaginary part only on its receptive field, where it can be nonzero, and only up to the last ReLU: the layers after
    /// it (the last conv, the mean pooling and z_loc) are linear and input-independent, so they are folded once into one weight per
    /// latent dimension over that ReLU's output (D, H, L), of which each perturbation needs its window. This equals the full complex
    /// evaluation (<see cref="PosteriorMeanComplex"/>) up to summation order.
    /// </remarks>
    public Tensor ComplexStepJacobian(Tensor x, double step, int batchSize)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long samples = x.shape[0], channels = x.shape[1], length = x.shape[2];
        long perturbations = channels * length;
        long perPass = Math.Max(1, batchSize / samples);
        var masks = Convolutions.ReluMasks(x.detach().to(ScalarType.Float64));
        long reach = Convolutions.Reach;
        long window = Math.Min(length, 2 * reach + 1);                                                    // the receptive field, clamped to the series
        // ∂z/∂(conv output): z_loc's weight over the pooled steps, spread evenly over each pool's steps; then through the linear tail.
        var weight = lsr.ZLoc.weight!.to(ScalarType.Float64);
        long latent = weight.shape[0];
        var outputGradient = weight.view(latent, -1, Config.PooledLength).repeat_interleave(Config.SamplingFactor, 2).div(Config.SamplingFactor);
        var head = Convolutions.TailAdjoint(outputGradient.to(x.device)).unfold(2, window, 1);           // (D, H, L − W + 1, W)
        var columns = new List<Tensor>();
        for (long first = 0; first < perturbations; first += perPass)
        {
            using var passScope = NewDisposeScope();
            long count = Math.Min(perPass, perturbations - first);
            // Perturbation k = c·L + t gets the window of W steps around t, shifted inside [0, L) at the edges, where the
            // convs' zero padding coincides with the window's border.
            var flat = arange(first, first + count, dtype: ScalarType.Int64, device: x.device);
            var time = flat.remainder(length);
            var starts = (time - reach).clamp(0, length - window);
            var seeds = zeros(count, channels * window, dtype: ScalarType.Float64, device: x.device)
                .scatter_(1, (flat.div(length, rounding_mode: RoundingMode.floor) * window + time - starts).unsqueeze(1),
                    full(count, 1, step, dtype: ScalarType.Float64, device: x.device))
                .view(count, channels, window);
            var activations = Convolutions.ImaginaryAtLastReluOnWindows(seeds, samples, masks, starts);    // (k·B, H, W)
            var windowHead = head.index_select(2, starts).permute(2, 1, 3, 0).reshape(count, -1, latent);  // (k, H·W, D)
            columns.Add(activations.view(count, samples, -1).bmm(windowHead).div(step).MoveToOuterDisposeScope()); // (k, B, D)
        }
        return (columns.Count == 1 ? columns[0] : cat(columns, 0)).MoveToOuterDisposeScope();
    }

    /// <summary>AvgPool1d(s) with kernel = stride = s followed by Flatten (channel-major), as reshape + mean.</summary>
    private Tensor PoolAndFlatten(Tensor features)
    {
        long batch = features.shape[0], hidden = features.shape[1];
        int pooled = Config.PooledLength;
        return features.reshape(batch, hidden, pooled, Config.SamplingFactor).mean(new long[] { 3 }).reshape(batch, hidden * pooled);
    }

    private T InEvalMode<T>(Func<T> body)
    {
        bool wasTraining = training;
        if (wasTraining) eval();
        try { return body(); }
        finally { if (wasTraining) train(); }
    }
}
