using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>Encoding a whole dataset: the posterior means every analysis starts from, batched and without an autograd graph.</summary>
public static class LatentEncoding
{
    /// <summary>
    /// Posterior means (N, D) float32 on the CPU of x (N, C, L), each batch of at most <paramref name="batchSize"/> samples moved to
    /// <paramref name="device"/>, encoded without building a graph, and brought back. The default of 1024 keeps a CPU batch's
    /// activations in the caches (4096 was 5× slower on eog); pass more on a GPU. An empty x gives an empty (0, D), as a
    /// PyTorch forward pass of an empty batch does.
    /// </summary>
    public static Tensor PosteriorMeans(this ILatentEncoder model, Tensor x, Device device, int batchSize = 1024)
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
                parts.Add(model.PosteriorMean(x.narrow(0, first, count).to(device)).to(ScalarType.Float32).cpu().MoveToOuterDisposeScope());
            }
        }
        return (parts.Count == 1 ? parts[0] : torch.cat(parts, 0)).MoveToOuterDisposeScope();
    }
}
