using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>
/// GradCAM towards latent targets at one named layer (paper §3.1): M = Σ_k mean_t(∂target/∂A_k) · A_k, then
/// <see cref="CamMode"/> (the paper uses <see cref="CamMode.Abs"/>). Result (N, L, T); for the CVAE the paper's
/// layer is <c>encoder.0.layers.6</c>, the last convolution, at full time resolution.
/// </summary>
public sealed class GradCam : CamExplainer
{
    /// <summary>The paper's target layer of the CVAE encoder (the last convolution).</summary>
    public const string PaperLayer = "encoder.0.layers.6";

    /// <summary>GradCAM at <paramref name="layerName"/>, post-processed by <paramref name="mode"/>.</summary>
    public GradCam(string layerName = PaperLayer, CamMode mode = CamMode.Abs) : base([layerName], mode) { }

    /// <summary>Global average over time of the gradients: α_k = mean_t ∂target/∂A_k, (R, K).</summary>
    protected override Tensor ChannelWeights(Tensor gradients, Tensor activations) => gradients.mean(new long[] { 2 });
}
