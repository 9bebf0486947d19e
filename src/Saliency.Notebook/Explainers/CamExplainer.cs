using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>How a class-activation map is post-processed.</summary>
public enum CamMode
{
    /// <summary>|M|: the paper's GradCAM (sign-free saliency).</summary>
    Abs,
    /// <summary>M as is (Grad-SLAM style): positive and negative contributions kept.</summary>
    Signed,
    /// <summary>max(M, 0): the original Grad-CAM.</summary>
    Relu,
}

/// <summary>
/// Template for class-activation maps towards latent targets (pytorch-grad-cam's BaseCAM): records the named layers'
/// activations A (B, K, W) in one forward pass per chunk, takes ∂target/∂A for each target in one backward pass on the
/// retained graph, weights the channels, sums over them, resamples to L (linear, align_corners) when W ≠ L, merges layers
/// and applies <see cref="Mode"/>. Subclasses supply only
/// <see cref="ChannelWeights"/> (and, for several layers, <see cref="MergeLayers"/>). Result (N, L, T).
/// </summary>
public abstract class CamExplainer : LatentExplainer
{
    /// <summary>
    /// Hooks <paramref name="layerNames"/> (state_dict-style names under the model's Root; an unknown name is an error here) and
    /// post-processes by <paramref name="mode"/>.
    /// </summary>
    protected CamExplainer(ILatentEncoder model, IReadOnlyList<string> layerNames, CamMode mode) : base(model)
    {
        ArgumentNullException.ThrowIfNull(layerNames);
        if (layerNames.Count == 0) throw new ArgumentException("At least one layer name is needed.", nameof(layerNames));
        LayerNames = layerNames.ToArray();
        Mode = mode;
        foreach (var name in LayerNames) LayerActivations.Find(model.Root, name);
    }

    /// <summary>The hooked layers.</summary>
    public IReadOnlyList<string> LayerNames { get; }

    /// <summary>Post-processing of the merged map.</summary>
    public CamMode Mode { get; }

    /// <inheritdoc/>
    protected override string Layout => "N,L,T";

    /// <inheritdoc/>
    protected override string? Layers => string.Join(", ", LayerNames);

    /// <summary>Channel weights from gradients and activations, both (R, K, W): (R, K) or (R, K, W), multiplied into A and summed over K.</summary>
    protected abstract Tensor ChannelWeights(Tensor gradients, Tensor activations);

    /// <summary>Merges the per-layer maps, each (R, L), into one (R, L); one layer is returned as is.</summary>
    protected virtual Tensor MergeLayers(IReadOnlyList<Tensor> layerMaps) =>
        layerMaps.Count == 1 ? layerMaps[0] : torch.stack(layerMaps).mean(new long[] { 0 });

    /// <inheritdoc/>
    protected override BatchAttribution ExplainBatch(ILatentEncoder model, Tensor x, Tensor? baseline, Tensor targetWeights, int batchSize)
    {
        long targets = targetWeights.shape[0];
        using var recorder = new LayerActivations(model.Root, LayerNames);
        var latent = model.PosteriorMean(x.detach());
        var activations = recorder.Take();
        CheckActivations(activations);
        var weights = targetWeights.to(latent.dtype);
        var targetMaps = new Tensor[targets];
        for (long j = 0; j < targets; j++)
        {
            using var targetScope = torch.NewDisposeScope();                  // frees this target's gradients before the next
            var gradients = torch.autograd.grad(new[] { latent }, activations, new[] { weights[j].expand_as(latent) }, retain_graph: j < targets - 1);
            var maps = new Tensor[activations.Length];
            for (int layer = 0; layer < activations.Length; layer++)
            {
                var channelWeights = ChannelWeights(gradients[layer], activations[layer]);
                if (channelWeights.dim() == 2) channelWeights = channelWeights.unsqueeze(-1);
                var map = (channelWeights * activations[layer]).sum(1);
                maps[layer] = ResampleToLength(map.detach(), model.Length);
            }
            targetMaps[j] = ApplyMode(MergeLayers(maps)).MoveToOuterDisposeScope();
        }
        return new BatchAttribution(torch.stack(targetMaps, 2));
    }

    private void CheckActivations(Tensor[] activations)
    {
        for (int i = 0; i < activations.Length; i++)
            if (activations[i].dim() != 3)
                throw new ArgumentException(
                    $"A CAM needs a (batch, channels, time) activation, but layer '{LayerNames[i]}' gives shape [{string.Join(", ", activations[i].shape)}].");
    }

    /// <summary>Applies <see cref="Mode"/> to a signed map.</summary>
    protected Tensor ApplyMode(Tensor map) => Mode switch
    {
        CamMode.Abs => map.abs(),
        CamMode.Relu => map.relu(),
        _ => map,
    };

    /// <summary>Linear interpolation with aligned corners of (R, W) maps to (R, length), as F.interpolate does; identity when W = length.</summary>
    internal static Tensor ResampleToLength(Tensor map, long length)
    {
        if (map.shape[1] == length) return map;
        return nn.functional.interpolate(map.unsqueeze(1), size: new[] { length }, mode: InterpolationMode.Linear, align_corners: true).squeeze(1);
    }
}
