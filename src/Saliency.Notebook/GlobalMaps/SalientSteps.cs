using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.GlobalMaps;

/// <summary>Which time steps the global saliency calls salient: the masks the kept-vs-removed analysis and its figure share.</summary>
public static class SalientSteps
{
    /// <summary>
    /// The original's pruning mask (explain/pruned_trajectories.py apply_pruning_mask) (N, L) bool: per-dimension min-max normalised
    /// maps (N, L, D) (denominator + 1e−8), their |PC1| projection, and value ≥ <paramref name="fraction"/> · its global max.
    /// </summary>
    public static Tensor PruningMask(Tensor absoluteMaps, LatentPca pca, double fraction)
    {
        ArgumentNullException.ThrowIfNull(absoluteMaps);
        ArgumentNullException.ThrowIfNull(pca);
        using var scope = NewDisposeScope();
        var maps = absoluteMaps.to(ScalarType.Float64);
        var minimum = maps.amin(new long[] { 0, 1 }, keepdim: true);
        var maximum = maps.amax(new long[] { 0, 1 }, keepdim: true);
        var normalised = (maps - minimum) / (maximum - minimum + 1e-8);
        var first = pca.ProjectMaps(normalised).select(-1, 0).abs();
        return first.ge(first.max() * fraction).MoveToOuterDisposeScope();
    }
}
