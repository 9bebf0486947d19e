using Saliency.Notebook.Explainers;
using Saliency.Notebook.GlobalMaps;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.SanityChecks;

/// <summary>
/// The paper's global-saliency quantities of a model on the data, all on the CPU: posterior means (N, D), their PCA,
/// the PCA scores (N, K), the sign-free maps (N, L, D) and those maps projected (not centred) on the components (N, L, K).
/// </summary>
/// <param name="Latents">Posterior means (N, D), float32.</param>
/// <param name="Pca">PCA fitted on <paramref name="Latents"/>.</param>
/// <param name="Scores">PCA scores (N, K), float64.</param>
/// <param name="AbsoluteMaps">Sign-free maps (N, L, D), float64.</param>
/// <param name="Projections">Maps projected on the components (N, L, K), float64, raw (can be negative).</param>
public sealed record LatentSaliency(Tensor Latents, LatentPca Pca, Tensor Scores, Tensor AbsoluteMaps, Tensor Projections);

/// <summary>
/// Base of the checks that perturb inputs where the saliency points (mask, remove, shift, corrupt) and measure how far the
/// latent code moves: it computes the global-saliency quantities and re-encodes perturbed batches in the original PCA.
/// </summary>
public abstract class LatentPerturbationCheck : SanityCheck
{
    /// <summary>Value written into masked-out steps on every channel (the original masking code's −1).</summary>
    public double FillValue { get; init; } = -1;

    /// <summary>Encodes x, fits a <paramref name="components"/>-component PCA on the means and projects the method's |maps| on it.</summary>
    protected static LatentSaliency ComputeSaliency(SanityCheckInputs inputs, SaliencyMethod method, Tensor x, int components = 2)
    {
        var latents = Encode(inputs, x);
        var pca = LatentPca.Fit(latents, components);
        var scores = pca.Transform(latents);
        using var maps = method.Maps(inputs.Model, x, inputs.Device, inputs.BatchSize, inputs.Settings);
        var absolute = maps.Absolute.alias();
        return new LatentSaliency(latents, pca, scores, absolute, pca.ProjectMaps(absolute));
    }

    /// <summary>
    /// Samples x (n, C, L) masked by each row of <paramref name="keep"/> (P, L) (true = keep, else <see cref="FillValue"/>
    /// on every channel), as one batch (P·n, C, L), row p·n + i = sample i under mask p.
    /// </summary>
    protected Tensor Masked(Tensor x, Tensor keep)
    {
        long masks = keep.shape[0], n = x.shape[0], c = x.shape[1], l = x.shape[2];
        var expanded = x.unsqueeze(0).expand(masks, -1, -1, -1);
        var condition = keep.view(masks, 1, 1, l).expand(-1, n, c, -1);
        return torch.where(condition, expanded, torch.full_like(expanded, FillValue)).reshape(masks * n, c, l);
    }

    /// <summary>PCA scores (M, K) float64 of the re-encoded batch (M, C, L) in the original PCA.</summary>
    protected static Tensor ScoresOf(SanityCheckInputs inputs, LatentPca pca, Tensor batch)
    {
        using var latents = Encode(inputs, batch);
        return pca.Transform(latents);
    }

    /// <summary>A float64 tensor's values as a managed array (for percentiles and frames).</summary>
    protected static double[] ToArray(Tensor values)
    {
        using var scope = torch.NewDisposeScope();
        return values.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
    }
}
