using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.GlobalMaps;

/// <summary>
/// The count, mean and centred scatter matrix Σ (z − mean)(z − mean)ᵀ of latents seen chunk by chunk, in float64: all the PCA needs
/// (<see cref="LatentPca.FromMoments"/>), in O(D²) memory whatever N. Chunks are combined with Chan et al.'s pairwise update
/// (each chunk centred on its own mean), so no large sum of squares is ever subtracted; partial moments from several workers
/// combine the same way (<see cref="Merge"/>).
/// </summary>
public sealed class LatentMoments
{
    private readonly double[] _mean;
    private readonly double[,] _scatter;

    /// <summary>Empty moments for latents of size <paramref name="latentDim"/>.</summary>
    public LatentMoments(int latentDim)
    {
        if (latentDim < 1) throw new ArgumentOutOfRangeException(nameof(latentDim), latentDim, "The latent size must be positive.");
        _mean = new double[latentDim];
        _scatter = new double[latentDim, latentDim];
    }

    /// <summary>D, the latent size.</summary>
    public int LatentDim => _mean.Length;

    /// <summary>Latents seen so far.</summary>
    public long Count { get; private set; }

    /// <summary>Their mean (D); a copy.</summary>
    public double[] Mean => (double[])_mean.Clone();

    /// <summary>Their centred scatter matrix (D, D) = (N − 1) × covariance; a copy.</summary>
    public double[,] Scatter => (double[,])_scatter.Clone();

    /// <summary>
    /// Moments already computed elsewhere (a worker's partial): <paramref name="count"/> latents with <paramref name="mean"/> (D) and
    /// centred scatter <paramref name="scatter"/> (D, D), e.g. read back from a file written from <see cref="Mean"/> and <see cref="Scatter"/>.
    /// </summary>
    public static LatentMoments FromParts(long count, double[] mean, double[,] scatter)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(scatter);
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The count must be at least 0.");
        if (scatter.GetLength(0) != mean.Length || scatter.GetLength(1) != mean.Length)
            throw new ArgumentException($"The scatter matrix must be ({mean.Length}, {mean.Length}); got ({scatter.GetLength(0)}, {scatter.GetLength(1)}).", nameof(scatter));
        var moments = new LatentMoments(mean.Length) { Count = count };
        Array.Copy(mean, moments._mean, mean.Length);
        Array.Copy(scatter, moments._scatter, scatter.Length);
        return moments;
    }

    /// <summary>Adds a chunk of latents (B, D), any device or floating type.</summary>
    public void Add(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.dim() != 2 || latents.shape[1] != LatentDim)
            throw new ArgumentException($"Latents must be (B, {LatentDim}); got shape [{string.Join(", ", latents.shape)}].", nameof(latents));
        long count = latents.shape[0];
        if (count == 0) return;
        using var scope = torch.NewDisposeScope();
        var z = latents.detach().to(ScalarType.Float64).cpu();
        var mean = z.mean(new long[] { 0 });
        var centred = z - mean;
        var scatter = centred.t().matmul(centred).contiguous();
        Combine(count, mean.data<double>().ToArray(), scatter.data<double>().ToArray());
    }

    /// <summary>Adds the latents another accumulator has seen (e.g. another worker's share of the data).</summary>
    public void Merge(LatentMoments other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.LatentDim != LatentDim) throw new ArgumentException($"Cannot merge moments of size {other.LatentDim} into size {LatentDim}.", nameof(other));
        if (other.Count == 0) return;
        var flat = new double[LatentDim * LatentDim];
        Buffer.BlockCopy(other._scatter, 0, flat, 0, flat.Length * sizeof(double));
        Combine(other.Count, other._mean, flat);
    }

    private void Combine(long count, double[] mean, double[] scatter)
    {
        int d = LatentDim;
        long total = Count + count;
        double weight = (double)Count * count / total;
        var delta = new double[d];
        for (int i = 0; i < d; i++) delta[i] = mean[i] - _mean[i];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                _scatter[i, j] += scatter[i * d + j] + delta[i] * delta[j] * weight;
        for (int i = 0; i < d; i++) _mean[i] += delta[i] * count / total;
        Count = total;
    }
}
