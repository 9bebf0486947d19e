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
/// activations A (R, K, W), takes ∂target/∂A for all targets in ONE forward and ONE backward pass (the first hooked
/// layer's output is replicated T times along the batch and each block gets its own target row as grad_output), weights the channels, sums over them, resamples to L
/// (linear, align_corners) when W ≠ L, merges layers and applies <see cref="Mode"/>. Subclasses supply only
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
        long samples = x.shape[0], targets = targetWeights.shape[0];
        long targetsPerPass = Math.Max(1, batchSize / samples);
        var parts = new List<Tensor>();
        using var recorder = new LayerActivations(model.Root, LayerNames);
        for (long first = 0; first < targets; first += targetsPerPass)
        {
            using var passScope = torch.NewDisposeScope();                    // frees the pass's graph and activations before the next
            long count = Math.Min(targetsPerPass, targets - first);
            // The layers before the first hooked one run once; that layer's output is repeated target-major
            // (row j·B + b is sample b for target first + j), so one backward pass gives every target's gradient.
            recorder.Replicas = count;
            var gradOutputs = targetWeights.narrow(0, first, count).repeat_interleave(samples, 0);
            var latent = model.PosteriorMean(x.detach());
            var activations = recorder.Take();
            CheckActivations(activations);
            if (latent.shape[0] != count * samples)
                throw new InvalidOperationException(
                    $"The encoder returned {latent.shape[0]} rows for {samples} samples × {count} targets: a layer after '{LayerNames[0]}' mixes the batch, so the targets cannot share one pass.");
            var gradients = torch.autograd.grad(new[] { latent }, activations, new[] { gradOutputs.to(latent.dtype) });
            var maps = new Tensor[activations.Length];
            for (int layer = 0; layer < activations.Length; layer++)
            {
                var weights = ChannelWeights(gradients[layer], activations[layer]);
                if (weights.dim() == 2) weights = weights.unsqueeze(-1);
                var map = (weights * activations[layer]).sum(1);
                maps[layer] = ResampleToLength(map.detach(), model.Length);
            }
            var merged = ApplyMode(MergeLayers(maps));
            parts.Add(merged.view(count, samples, model.Length).permute(1, 2, 0).MoveToOuterDisposeScope());
        }
        return new BatchAttribution(parts.Count == 1 ? parts[0] : torch.cat(parts, 2));
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
