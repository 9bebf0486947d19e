using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>Encoding a whole dataset: the posterior means every analysis starts from, batched and without an autograd graph.</summary>
public static class LatentEncoding
{
    /// <summary>The device the model's parameters live on (the CPU for a model without parameters).</summary>
    public static Device ParameterDevice(this ILatentEncoder model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Root.parameters().FirstOrDefault()?.device ?? CPU;
    }

    /// <summary>
    /// Posterior means (N, D) float32 on the CPU of x (N, C, L), each batch of at most <paramref name="batchSize"/> samples moved to
    /// <paramref name="device"/>, encoded without building a graph, and brought back. The default of 1024 keeps a CPU batch's
    /// activations in the caches (4096 was 5× slower on eog); pass more on a GPU. An empty x gives an empty (0, D), as a
    /// PyTorch forward pass of an empty batch does. A non-finite mean is an error naming the sample: every analysis downstream (PCA,
    /// maps) would otherwise fail far from the cause, or silently give NaN. <paramref name="firstSampleIndex"/> is the index of x's
    /// first sample in its whole dataset (a chunk's offset), so that the error counts samples as the user does.
    /// </summary>
    public static Tensor PosteriorMeans(this ILatentEncoder model, Tensor x, Device device, int batchSize = 1024, long firstSampleIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() != 3 || x.shape[1] != model.Channels || x.shape[2] != model.Length)
            throw new ArgumentException($"Expected input (N, {model.Channels}, {model.Length}); got [{string.Join(", ", x.shape)}].", nameof(x));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        if (x.shape[0] == 0) return torch.empty(0, model.LatentDim, dtype: ScalarType.Float32);
        using var scope = torch.NewDisposeScope();             // holds the batches' means until they are concatenated
        var parts = new List<Tensor>();
        using (torch.no_grad())
        {
            for (long first = 0; first < x.shape[0]; first += batchSize)
            {
                using var batchScope = torch.NewDisposeScope();
                long count = Math.Min(batchSize, x.shape[0] - first);
                var means = model.PosteriorMean(x.narrow(0, first, count).to(device)).to(ScalarType.Float32).cpu();
                EnsureFinite(means, firstSampleIndex + first);
                parts.Add(means.MoveToOuterDisposeScope());
            }
        }
        return (parts.Count == 1 ? parts[0] : torch.cat(parts, 0)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Throws an <see cref="InvalidOperationException"/> naming the first sample whose posterior mean in <paramref name="means"/>
    /// (n, D), the samples from <paramref name="firstSample"/> on, is NaN or infinite.
    /// </summary>
    public static void EnsureFinite(Tensor means, long firstSample = 0)
    {
        using var scope = torch.NewDisposeScope();
        var bad = (~torch.isfinite(means)).any(1);
        if (!bad.any().item<bool>()) return;
        long sample = firstSample + bad.nonzero()[0, 0].item<long>();
        throw new InvalidOperationException(
            $"The posterior mean of sample {sample} is not finite (NaN or infinite): the model's weights hold NaN or infinite values " +
            "(a diverged training), or the sample's values are too large for float32 arithmetic (rescale the data).");
    }
}
