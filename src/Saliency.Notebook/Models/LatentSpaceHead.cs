using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>
/// The original LSR ("latent space representation") module, named <c>lsr</c>: maps the flattened encoding h to
/// the posterior q(z|x) = N(loc, exp(log_var/2)) with <c>z_loc</c> (Linear) and <c>z_log_var</c>
/// (Sequential(Linear, Hardtanh)), and evaluates the prior's log-density for the Monte-Carlo KL.
/// </summary>
public abstract class LatentSpaceHead : nn.Module
{
    private static readonly double HalfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);

    /// <summary>Creates the head; subclasses build z_loc / z_log_var under these exact names and call RegisterComponents.</summary>
    protected LatentSpaceHead(string name) : base(name) { }

    /// <summary><c>lsr.z_loc</c>: h → posterior mean.</summary>
    public abstract Linear ZLoc { get; }

    /// <summary><c>lsr.z_log_var</c>: h → clamped posterior log-variance.</summary>
    public abstract Sequential ZLogVar { get; }

    /// <summary>Posterior mean (B, D) of the encoding h (B, H), through <c>call</c> so hooks on z_loc fire.</summary>
    public Tensor Loc(Tensor h) => ZLoc.call(h);

    /// <summary>Posterior standard deviation exp(log_var / 2), (B, D).</summary>
    public Tensor Scale(Tensor h) => ZLogVar.call(h).div(2).exp();

    /// <summary>log p(z) summed over latent dims, (B,), for z (B, D). <paramref name="encode"/> is the CVAE's encoder (x → h).</summary>
    public abstract Tensor PriorLogDensity(Tensor z, Func<Tensor, Tensor> encode);

    /// <summary>Σ_d log N(z_d; loc_d, scale_d) over the last dim; broadcasts.</summary>
    public static Tensor DiagonalNormalLogDensity(Tensor z, Tensor loc, Tensor scale)
    {
        using var scope = NewDisposeScope();
        var standardized = (z - loc) / scale;
        var perDim = standardized.square().mul(-0.5) - scale.log() - HalfLogTwoPi;
        return perDim.sum(-1).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// <c>NormalLSR</c> (core/lsr.py): posterior log-variance clamped by Hardtanh(-6, 2); prior N(prior_loc, exp(prior_log_var/2))
/// with both frozen (zeros: the standard normal).
/// </summary>
public sealed class NormalLatentHead : LatentSpaceHead
{
    private readonly Linear z_loc;
    private readonly Sequential z_log_var;
    private readonly Parameter prior_loc;
    private readonly Parameter prior_log_var;

    /// <summary>Builds the head for encodings of size <paramref name="encodedSize"/> and latent size <paramref name="latentDim"/>.</summary>
    public NormalLatentHead(int encodedSize, int latentDim) : base("NormalLSR")
    {
        prior_loc = new Parameter(zeros(1, latentDim), requires_grad: false);
        prior_log_var = new Parameter(zeros(1, latentDim), requires_grad: false);
        z_loc = nn.Linear(encodedSize, latentDim);
        z_log_var = nn.Sequential(nn.Linear(encodedSize, latentDim), new HardTanh(-6, 2));
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Linear ZLoc => z_loc;

    /// <inheritdoc/>
    public override Sequential ZLogVar => z_log_var;

    /// <inheritdoc/>
    public override Tensor PriorLogDensity(Tensor z, Func<Tensor, Tensor> encode)
    {
        using var scale = prior_log_var.div(2).exp();
        return DiagonalNormalLogDensity(z, prior_loc, scale);
    }
}

/// <summary>
/// <c>VampPriorLSR</c> (core/lsr.py, §2.4): K pseudo-inputs u_k = Hardtanh(-1,1)(Linear(ReLU(Linear(e_k)))) reshaped to (K, C, L),
/// encoded by the CVAE's own encoder; the prior is the mixture Σ_k softmax(prior_weights)_k N(z_loc(h_k), exp(log_var_k/2)).
/// The posterior log-variance is clamped by Hardtanh(-6, 6).
/// </summary>
/// <remarks>
/// Reproduces the original's shared-module bug: its <c>prior_log_var_NN</c> is built from the very Linear+Hardtanh modules
/// of <c>z_log_var</c>, so the prior components' log-variances come from the posterior's <c>z_log_var</c>; here the prior
/// calls <see cref="LatentSpaceHead.ZLogVar"/> directly. The aliases the original's state_dict would also carry
/// (<c>lsr.encoder.*</c>, <c>lsr.prior_log_var_NN.0.*</c>) are not registered, so each parameter is optimised once.
/// The prior is only evaluated by the loss, never by <see cref="CVAE.PosteriorMean"/>, so hooks on encoder layers never see
/// the K pseudo-inputs (the original GradCAM had to skip batches of size K).
/// </remarks>
public sealed class VampPriorLatentHead : LatentSpaceHead
{
    private readonly Linear z_loc;
    private readonly Sequential z_log_var;
    private readonly Sequential pseudo_inputs_NN;
    private readonly Parameter prior_weights;
    private readonly int channels;
    private readonly int length;
    private readonly int components;

    /// <summary>Builds the head for K=<paramref name="components"/> pseudo-inputs of shape (C, L).</summary>
    public VampPriorLatentHead(int encodedSize, int latentDim, int components, int channels, int length) : base("VampPriorLSR")
    {
        this.channels = channels;
        this.length = length;
        this.components = components;
        z_loc = nn.Linear(encodedSize, latentDim);
        z_log_var = nn.Sequential(nn.Linear(encodedSize, latentDim), new HardTanh(-6, 6));
        pseudo_inputs_NN = nn.Sequential(nn.Linear(components, components), nn.ReLU(), nn.Linear(components, channels * length), new HardTanh(-1, 1));
        prior_weights = new Parameter(ones(1, components));
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Linear ZLoc => z_loc;

    /// <inheritdoc/>
    public override Sequential ZLogVar => z_log_var;

    /// <summary>Mixture components K.</summary>
    public int Components => components;

    /// <summary>The K pseudo-inputs (K, C, L), computed from the identity matrix (the original's <c>idle_input</c>, not a parameter).</summary>
    public Tensor PseudoInputs()
    {
        var idle = eye(components, dtype: prior_weights.dtype, device: prior_weights.device);
        return pseudo_inputs_NN.call(idle).view(components, channels, length);
    }

    /// <inheritdoc/>
    public override Tensor PriorLogDensity(Tensor z, Func<Tensor, Tensor> encode)
    {
        using var scope = NewDisposeScope();
        var h = encode(PseudoInputs());
        var means = z_loc.call(h);                                   // (K, D)
        var scales = z_log_var.call(h).div(2).exp();                 // (K, D), shared z_log_var (see remarks)
        var componentLogDensity = DiagonalNormalLogDensity(z.unsqueeze(1), means.unsqueeze(0), scales.unsqueeze(0)); // (B, K)
        var logWeights = prior_weights.log_softmax(-1);              // (1, K)
        return (componentLogDensity + logWeights).logsumexp(-1).MoveToOuterDisposeScope();
    }
}
