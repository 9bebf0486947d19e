using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>
/// Base of the input-attribution family: ∂target/∂x for all T targets in one backward pass per chunk (rows replicated
/// per target, one grad_output row each), combined with x by <see cref="Combine"/>. Result (N, L, C, T).
/// </summary>
public abstract class InputGradientExplainer : LatentExplainer
{
    /// <summary>Binds the explainer to <paramref name="model"/>.</summary>
    protected InputGradientExplainer(ILatentEncoder model) : base(model) { }

    /// <inheritdoc/>
    protected override string Layout => "N,L,C,T";

    /// <summary>The attribution (T, B, C, L) from the input x (B, C, L) and its gradients (T, B, C, L).</summary>
    protected abstract Tensor Combine(Tensor x, Tensor gradients);

    /// <summary>The gradients (T, B, C, L) of every target row of <paramref name="targetWeights"/> (T, D) at x (B, C, L).</summary>
    protected virtual Tensor TargetGradients(ILatentEncoder model, Tensor x, Tensor targetWeights, int batchSize) =>
        InputGradients.OfTargets(model, x, targetWeights, batchSize);

    /// <inheritdoc/>
    protected override BatchAttribution ExplainBatch(ILatentEncoder model, Tensor x, Tensor? baseline, Tensor targetWeights, int batchSize)
    {
        var attribution = Combine(x, TargetGradients(model, x, targetWeights, batchSize));
        return new BatchAttribution(attribution.permute(1, 3, 2, 0));
    }
}

/// <summary>∂z/∂x machinery shared by the gradient explainers.</summary>
public static class InputGradients
{
    /// <summary>
    /// Gradients (T, B, C, L) of z · W[j] for every row j of <paramref name="targetWeights"/> (T, D) at x (B, C, L):
    /// x is replicated T times (target-major rows) so that one backward pass gives all of them; at most
    /// <paramref name="maxRows"/> rows per pass.
    /// </summary>
    public static Tensor OfTargets(ILatentEncoder model, Tensor x, Tensor targetWeights, int maxRows)
    {
        long samples = x.shape[0], targets = targetWeights.shape[0];
        var rows = x.detach().unsqueeze(0).expand(targets, -1, -1, -1);
        var gradOutputs = targetWeights.unsqueeze(1).expand(-1, samples, -1);
        var gradients = OfRows(model, rows.reshape(targets * samples, x.shape[1], x.shape[2]),
            gradOutputs.reshape(targets * samples, targetWeights.shape[1]), maxRows);
        return gradients.view(targets, samples, x.shape[1], x.shape[2]);
    }

    /// <summary>
    /// Vector-Jacobian products row by row: for rows (R, …) and grad_outputs (R, D), the gradient (R, …) of Σ_r z_r · g_r with
    /// respect to the rows, z = PosteriorMean(toInput(rows)) (toInput: identity, or a change of coordinates such as the inverse
    /// Fourier transform of cross-domain IG), computed in passes of at most <paramref name="maxRows"/> rows. The one chunked
    /// gradient loop of the input-gradient methods and integrated gradients.
    /// </summary>
    public static Tensor OfRows(ILatentEncoder model, Tensor rows, Tensor gradOutputs, int maxRows, Func<Tensor, Tensor>? toInput = null)
    {
        long total = rows.shape[0];
        var parts = new List<Tensor>();
        for (long first = 0; first < total; first += maxRows)
        {
            long count = Math.Min(maxRows, total - first);
            var input = rows.narrow(0, first, count).detach().requires_grad_(true);
            var latent = model.PosteriorMean(toInput is null ? input : toInput(input));
            parts.Add(torch.autograd.grad(new[] { latent }, new[] { input }, new[] { gradOutputs.narrow(0, first, count).to(latent.dtype) })[0]);
        }
        return parts.Count == 1 ? parts[0] : torch.cat(parts, 0);
    }
}

/// <summary>Saliency as the plain gradient ∂target/∂x (Simonyan et al.). Result (N, L, C, T).</summary>
public sealed class VanillaGradient : InputGradientExplainer
{
    /// <summary>The input gradient of <paramref name="model"/>.</summary>
    public VanillaGradient(ILatentEncoder model) : base(model) { }

    /// <inheritdoc/>
    public override string Method => "gradient";

    /// <inheritdoc/>
    public override string Settings => "vanilla gradient ∂z/∂x";

    /// <inheritdoc/>
    protected override Tensor Combine(Tensor x, Tensor gradients) => gradients;
}

/// <summary>Gradient × input: x · ∂target/∂x, the first-order contribution of each input value. Result (N, L, C, T).</summary>
public sealed class GradientTimesInput : InputGradientExplainer
{
    /// <summary>Gradient × input of <paramref name="model"/>.</summary>
    public GradientTimesInput(ILatentEncoder model) : base(model) { }

    /// <inheritdoc/>
    public override string Method => "gradxinput";

    /// <inheritdoc/>
    public override string Settings => "gradient × input";

    /// <inheritdoc/>
    protected override Tensor Combine(Tensor x, Tensor gradients) => gradients * x.unsqueeze(0);
}
