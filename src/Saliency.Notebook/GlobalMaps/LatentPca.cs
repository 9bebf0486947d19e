using Saliency.Notebook.Explainers;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.GlobalMaps;

/// <summary>
/// PCA of latent means (paper §3.2 step 1), matching scikit-learn's PCA: centred SVD in float64, components signed by
/// svd_flip(u_based_decision=False) (each component's largest-|value| entry is positive), explained variance = s²/(N−1),
/// ratio over the total variance of all components.
/// </summary>
public sealed class LatentPca
{
    private LatentPca(double[] mean, double[,] components, double[] singularValues, double[] explainedVariance, double[] explainedVarianceRatio, long samples)
    {
        Mean = mean;
        Components = components;
        SingularValues = singularValues;
        ExplainedVariance = explainedVariance;
        ExplainedVarianceRatio = explainedVarianceRatio;
        SampleCount = samples;
    }

    /// <summary>Per-dimension mean (D) of the fitted latents.</summary>
    public double[] Mean { get; }

    /// <summary>Components (K, D), rows of unit length, sign fixed as scikit-learn does.</summary>
    public double[,] Components { get; }

    /// <summary>Singular values of the centred data for the K components.</summary>
    public double[] SingularValues { get; }

    /// <summary>Variance along each component: s² / (N − 1).</summary>
    public double[] ExplainedVariance { get; }

    /// <summary>Share of the total variance (all min(N, D) components) along each component.</summary>
    public double[] ExplainedVarianceRatio { get; }

    /// <summary>N, the number of fitted samples.</summary>
    public long SampleCount { get; }

    /// <summary>K, the number of kept components.</summary>
    public int ComponentCount => Components.GetLength(0);

    /// <summary>The principal directions as explainer targets PC1…PCK (e.g. <c>new GradCam(model).Attribute(data, pca.Targets)</c>).</summary>
    public LatentTarget Targets => LatentTarget.Directions(Components);

    /// <summary>D, the latent size.</summary>
    public int LatentDim => Components.GetLength(1);

    /// <summary>Fits <paramref name="components"/> components to latents (N, D) (any device or floating type; computed in float64).</summary>
    public static LatentPca Fit(Tensor latents, int components)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.dim() != 2) throw new ArgumentException($"Latents must be (N, D); got shape [{string.Join(", ", latents.shape)}].", nameof(latents));
        int n = (int)latents.shape[0], d = (int)latents.shape[1];
        if (n < 2) throw new ArgumentException("PCA needs at least 2 samples.", nameof(latents));
        if (components < 1 || components > Math.Min(n, d))
            throw new ArgumentOutOfRangeException(nameof(components), components, $"components must be in 1..min(N, D) = 1..{Math.Min(n, d)}.");

        using var scope = torch.NewDisposeScope();
        var data = latents.detach().to(ScalarType.Float64).cpu();
        var mean = data.mean(new long[] { 0 });
        var centred = data - mean;
        var (_, s, vt) = torch.linalg.svd(centred, fullMatrices: false);
        var vtRows = vt.data<double>().ToArray();
        var singular = s.data<double>().ToArray();

        var result = new double[components, d];
        for (int k = 0; k < components; k++)
        {
            // svd_flip(u_based_decision=False): the entry of largest |value| (first on ties, like argmax) becomes positive.
            int argmax = 0;
            for (int j = 1; j < d; j++)
                if (Math.Abs(vtRows[k * d + j]) > Math.Abs(vtRows[k * d + argmax])) argmax = j;
            double sign = Math.Sign(vtRows[k * d + argmax]);
            for (int j = 0; j < d; j++) result[k, j] = vtRows[k * d + j] * sign;
        }
        double total = singular.Sum(v => v * v) / (n - 1);
        var meanValues = mean.data<double>().ToArray();
        EnsureLatentsVary(total, meanValues, n, nameof(latents));
        var variance = singular.Take(components).Select(v => v * v / (n - 1)).ToArray();
        var ratio = variance.Select(v => v / total).ToArray();
        return new LatentPca(meanValues, result, singular.Take(components).ToArray(), variance, ratio, n);
    }

    /// <summary>
    /// The same PCA from accumulated moments (streaming, any N): the eigenvectors of the covariance scatter / (N − 1) are the right
    /// singular vectors of the centred latents and its eigenvalues their s² / (N − 1), so components, explained variance and ratio
    /// equal <see cref="Fit"/>'s up to rounding (the signs follow the same svd_flip rule).
    /// </summary>
    public static LatentPca FromMoments(LatentMoments moments, int components)
    {
        ArgumentNullException.ThrowIfNull(moments);
        long n = moments.Count;
        int d = moments.LatentDim;
        if (n < 2) throw new ArgumentException("PCA needs at least 2 samples.", nameof(moments));
        if (components < 1 || components > Math.Min(n, d))
            throw new ArgumentOutOfRangeException(nameof(components), components, $"components must be in 1..min(N, D) = 1..{Math.Min(n, d)}.");
        var scatter = moments.Scatter;
        var flat = new double[d * d];
        Buffer.BlockCopy(scatter, 0, flat, 0, flat.Length * sizeof(double));
        using var scope = torch.NewDisposeScope();
        var (eigenvalues, eigenvectors) = torch.linalg.eigh(torch.tensor(flat, new long[] { d, d }, dtype: ScalarType.Float64));
        var values = eigenvalues.data<double>().ToArray();       // ascending
        var vectors = eigenvectors.contiguous().data<double>().ToArray(); // column i is eigenvector i

        var result = new double[components, d];
        var singular = new double[components];
        var variance = new double[components];
        for (int k = 0; k < components; k++)
        {
            int column = d - 1 - k;
            int argmax = 0;
            for (int j = 1; j < d; j++)
                if (Math.Abs(vectors[j * d + column]) > Math.Abs(vectors[argmax * d + column])) argmax = j;
            double sign = Math.Sign(vectors[argmax * d + column]);
            for (int j = 0; j < d; j++) result[k, j] = vectors[j * d + column] * sign;
            double eigenvalue = Math.Max(0, values[column]);
            singular[k] = Math.Sqrt(eigenvalue);
            variance[k] = eigenvalue / (n - 1);
        }
        double total = 0;
        for (int i = 0; i < d; i++) total += scatter[i, i];
        total /= n - 1;
        var mean = moments.Mean;
        EnsureLatentsVary(total, mean, n, nameof(moments));
        var ratio = variance.Select(v => v / total).ToArray();
        return new LatentPca(mean, result, singular, variance, ratio, n);
    }

    /// <summary>
    /// A PCA fitted elsewhere, restored exactly from its parts (as pca.json or a sharded run's fit file store them): <paramref name="mean"/>
    /// (D), <paramref name="components"/> (K, D) and, per component, the singular value, explained variance and ratio.
    /// </summary>
    public static LatentPca FromParts(double[] mean, double[,] components, double[] singularValues, double[] explainedVariance, double[] explainedVarianceRatio, long samples)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(singularValues);
        ArgumentNullException.ThrowIfNull(explainedVariance);
        ArgumentNullException.ThrowIfNull(explainedVarianceRatio);
        int k = components.GetLength(0);
        if (k < 1 || components.GetLength(1) != mean.Length)
            throw new ArgumentException($"The components must be (K ≥ 1, {mean.Length}); got ({k}, {components.GetLength(1)}).", nameof(components));
        if (singularValues.Length != k || explainedVariance.Length != k || explainedVarianceRatio.Length != k)
            throw new ArgumentException($"Each component needs one singular value, variance and ratio; got {singularValues.Length}, {explainedVariance.Length} and {explainedVarianceRatio.Length} for {k}.");
        if (samples < 2) throw new ArgumentOutOfRangeException(nameof(samples), samples, "A PCA is fitted on at least 2 samples.");
        return new LatentPca((double[])mean.Clone(), (double[,])components.Clone(), (double[])singularValues.Clone(), (double[])explainedVariance.Clone(),
            (double[])explainedVarianceRatio.Clone(), samples);
    }

    /// <summary>
    /// Refuses latents that do not vary (total variance zero, or below 1e-24 × |mean|², far under float32 resolution, where
    /// what is left is the rounding of the mean): their principal directions are arbitrary, so the maps projected on them would
    /// mean nothing. scikit-learn returns NaN ratios and arbitrary components there instead.
    /// </summary>
    private static void EnsureLatentsVary(double totalVariance, double[] mean, long samples, string parameter)
    {
        double meanSquared = mean.Sum(m => m * m);
        if (totalVariance > 1e-24 * meanSquared && totalVariance > 0) return;
        throw new ArgumentException(
            $"The latents do not vary: all {samples} samples encode to the same latent mean (to float precision), so PCA has no " +
            "principal direction and global maps projected on one would mean nothing. Check the model (an encoder that ignores its " +
            "input, e.g. dead units) and the data (constant series).", parameter);
    }

    /// <summary>The components as a float64 tensor (K, D) on <paramref name="device"/> (new tensor; the caller owns it).</summary>
    public Tensor ComponentsTensor(Device? device = null)
    {
        var flat = new double[Components.Length];
        Buffer.BlockCopy(Components, 0, flat, 0, flat.Length * sizeof(double));
        return torch.tensor(flat, new long[] { ComponentCount, LatentDim }, dtype: ScalarType.Float64, device: device ?? torch.CPU);
    }

    /// <summary>Scores (N, K) = (latents − mean) · componentsᵀ, float64 on the latents' device.</summary>
    public Tensor Transform(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.dim() != 2 || latents.shape[1] != LatentDim)
            throw new ArgumentException($"Latents must be (N, {LatentDim}); got shape [{string.Join(", ", latents.shape)}].", nameof(latents));
        using var scope = torch.NewDisposeScope();
        var mean = torch.tensor(Mean, dtype: ScalarType.Float64, device: latents.device);
        var result = (latents.detach().to(ScalarType.Float64) - mean).matmul(ComponentsTensor(latents.device).t());
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Projects GradCAM maps (N, L, D) on the components: (N, L, K) = maps · componentsᵀ, with NO centring
    /// (paper §3.2 step 2: the maps are not latents), float64 on the maps' device.
    /// </summary>
    public Tensor ProjectMaps(Tensor maps)
    {
        ArgumentNullException.ThrowIfNull(maps);
        if (maps.dim() != 3 || maps.shape[2] != LatentDim)
            throw new ArgumentException($"Maps must be (N, L, {LatentDim}); got shape [{string.Join(", ", maps.shape)}].", nameof(maps));
        using var scope = torch.NewDisposeScope();
        var result = maps.detach().to(ScalarType.Float64).matmul(ComponentsTensor(maps.device).t());
        return result.MoveToOuterDisposeScope();
    }
}
