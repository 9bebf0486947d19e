using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>
/// Grad-SLAM-style multi-layer saliency: signed GradCAM at several encoder layers (one forward pass, and one backward pass per
/// target for all of them), each layer's map divided by its own max |value| over time for that sample and target (so every
/// layer lies in [-1, 1] and no layer dominates by scale; an all-zero map stays zero), then the mean over layers.
/// Result (N, L, T), values in [-1, 1].
/// </summary>
public sealed class GradSlam : CamExplainer
{
    /// <summary>Signed GradCAM of <paramref name="model"/> merged over <paramref name="layerNames"/> (default: every convolution, <see cref="ConvolutionLayers"/>).</summary>
    public GradSlam(ILatentEncoder model, IReadOnlyList<string>? layerNames = null) : base(model, layerNames ?? ConvolutionLayers(model), CamMode.Signed) { }

    /// <inheritdoc/>
    public override string Method => "gradslam";

    /// <inheritdoc/>
    public override string Settings => $"Grad-SLAM: signed GradCAM merged over {string.Join(", ", LayerNames)}";

    /// <summary>Names of every Conv1d under the model's Root, in module order: the usual Grad-SLAM layer set.</summary>
    public static IReadOnlyList<string> ConvolutionLayers(ILatentEncoder model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Root.named_modules().Where(m => m.Item2 is TorchSharp.Modules.Conv1d or ChannelsLastConv1d).Select(m => m.Item1).ToArray();
    }

    /// <inheritdoc/>
    protected override Tensor ChannelWeights(Tensor gradients, Tensor activations) => gradients.mean(new long[] { 2 });

    /// <inheritdoc/>
    protected override Tensor MergeLayers(IReadOnlyList<Tensor> layerMaps)
    {
        var scaled = layerMaps.Select(map =>
        {
            var peak = map.abs().amax(new long[] { 1 }, keepdim: true);
            return map / peak.where(peak > 0, torch.ones_like(peak));
        }).ToArray();
        return torch.stack(scaled).mean(new long[] { 0 });
    }
}
