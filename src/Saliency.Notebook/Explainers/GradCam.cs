using Saliency.Notebook.Models;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>
/// GradCAM towards latent targets at one named layer (paper §3.1): M = Σ_k mean_t(∂target/∂A_k) · A_k, then
/// <see cref="CamMode"/> (the paper uses <see cref="CamMode.Abs"/>). Result (N, L, T); for the CVAE the paper's
/// layer is <c>encoder.0.layers.6</c>, the last convolution, at full time resolution. When the encoder after the layer is
/// affine (the paper's CVAE: pooling and a linear layer), ∂z/∂A is computed once and each chunk needs one forward pass
/// (<see cref="AffineHeadGradCam"/>); otherwise one forward pass per chunk and one backward pass per target gives them. Both give
/// the same maps; the result's <see cref="Attribution.Route"/> says which ran.
/// </summary>
public sealed class GradCam : CamExplainer
{
    /// <summary>The paper's target layer of the CVAE encoder (the last convolution).</summary>
    public const string PaperLayer = "encoder.0.layers.6";

    /// <summary>GradCAM of <paramref name="model"/> at <paramref name="layer"/>, post-processed by <paramref name="mode"/>.</summary>
    public GradCam(ILatentEncoder model, string layer = PaperLayer, CamMode mode = CamMode.Abs) : base(model, [layer], mode) { }

    /// <summary>The hooked layer.</summary>
    public string Layer => LayerNames[0];

    /// <inheritdoc/>
    public override string Method => "gradcam";

    /// <inheritdoc/>
    public override string Settings => $"GradCAM ({Mode.ToString().ToLowerInvariant()}) at {Layer}";

    /// <summary>Route of the affine head (<see cref="Attribution.Route"/>).</summary>
    public const string AffineRoute = "affine head: ∂z/∂A computed once, one forward pass per chunk";

    /// <summary>Route of the general path.</summary>
    public const string GeneralRoute = "general: one forward pass per chunk, one backward pass per target";

    /// <summary>False only where the kit measures the general path against the affine head (the benchmark); callers never choose.</summary>
    internal bool TryAffineHead { get; init; } = true;

    /// <summary>Global average over time of the gradients: α_k = mean_t ∂target/∂A_k, (R, K).</summary>
    protected override Tensor ChannelWeights(Tensor gradients, Tensor activations) => gradients.mean(new long[] { 2 });

    /// <summary>The affine head's maps of every latent dimension, weighted into the targets (GradCAM is linear in the target before <see cref="CamMode"/>), else the general path.</summary>
    protected override (Tensor Values, Tensor? CompletenessError, string? Route) Compute(Tensor x, Tensor? baseline, LatentTarget targets, int batchSize)
    {
        var signed = TryAffineHead ? AffineHeadGradCam.SignedMapsOrNull(Model, x, Layer) : null;
        if (signed is null)
        {
            var (values, _, _) = base.Compute(x, baseline, targets, batchSize);
            return (values, null, GeneralRoute);
        }
        var weighted = ReferenceEquals(targets, LatentTarget.AllDimensions)
            ? signed
            : signed.matmul(targets.WeightMatrix(Model.LatentDim, x.device, signed.dtype).t());
        return (ApplyMode(weighted), null, AffineRoute);
    }
}
