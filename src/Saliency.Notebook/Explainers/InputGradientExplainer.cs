using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>
/// Base of the input-attribution family: ∂target/∂x for all T targets (one forward pass per chunk, then one backward pass
/// per target on the retained graph), combined with x by <see cref="Combine"/>. Result (N, L, C, T).
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

/// <summary>∂z/∂x machinery shared by the gradient explainers and integrated gradients.</summary>
public static class InputGradients
{
    /// <summary>
    /// Gradients (T, R, …) of z · W[j] for every row j of <paramref name="targetWeights"/> (T, D) with respect to each of
    /// <paramref name="rows"/> (R, …), z = PosteriorMean(toInput(rows)) (toInput: identity, or a change of coordinates such as the
    /// inverse Fourier transform of cross-domain IG). Each chunk of at most <paramref name="maxRows"/> rows goes forward once,
    /// then back once per target on the retained graph (PyTorch's <c>autograd.grad(…, retain_graph=True)</c> loop): the encoder
    /// runs forward once per row, not once per row and target, which halves the convolution work of replicating the rows per
    /// target. The one gradient loop of the input-gradient methods and integrated gradients.
    /// </summary>
    public static Tensor OfTargets(ILatentEncoder model, Tensor rows, Tensor targetWeights, int maxRows, Func<Tensor, Tensor>? toInput = null)
    {
        long total = rows.shape[0], targets = targetWeights.shape[0];
        var parts = new List<Tensor>();
        for (long first = 0; first < total; first += maxRows)
        {
            using var passScope = torch.NewDisposeScope();                  // frees the chunk's graph before the next
            long count = Math.Min(maxRows, total - first);
            var input = rows.narrow(0, first, count).detach().requires_grad_(true);
            var latent = model.PosteriorMean(toInput is null ? input : toInput(input));
            var weights = targetWeights.to(latent.dtype);
            var gradients = new Tensor[targets];
            for (long j = 0; j < targets; j++)
                gradients[j] = torch.autograd.grad(new[] { latent }, new[] { input }, new[] { weights[j].expand_as(latent) },
                    retain_graph: j < targets - 1)[0];
            parts.Add(torch.stack(gradients).MoveToOuterDisposeScope());
        }
        return parts.Count == 1 ? parts[0] : torch.cat(parts, 1);
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
