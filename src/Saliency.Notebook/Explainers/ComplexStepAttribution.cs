using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>
/// Complex-step derivative attribution (CSDA): ∂z/∂x_{c,t} = Im(z(x + i·h·e_{c,t}))/h with h = 1e−20 in complex128,
/// exact to rounding (no subtraction, so no cancellation), evaluated by <see cref="IComplexStepEncoder.ComplexStepJacobian"/> with
/// at most batchSize rows per pass (the CVAE computes the imaginary parts only where they are nonzero, equal to the full complex evaluation).
/// Result (N, L, C, T) in float64: the signed derivative ∂(z·W[j])/∂x_{c,t} for every target (CSDA's L2 norm over the latent
/// dims is a reduction of this, which <c>saliency explain</c> applies to every input method alike).
/// </summary>
public sealed class ComplexStepAttribution : LatentExplainer
{
    /// <summary>The default step: far below float64 resolution of x, as the complex-step method allows.</summary>
    public const double DefaultStep = 1e-20;

    /// <summary>CSDA of <paramref name="model"/>, which must evaluate itself in complex128, with step <paramref name="step"/>.</summary>
    public ComplexStepAttribution(ILatentEncoder model, double step = DefaultStep) : base(model)
    {
        if (model is not IComplexStepEncoder)
            throw new ArgumentException($"Complex-step attribution needs an {nameof(IComplexStepEncoder)}; {model.GetType().Name} cannot evaluate itself in complex128.", nameof(model));
        if (!(step > 0)) throw new ArgumentOutOfRangeException(nameof(step), step, "The complex step must be positive.");
        Step = step;
    }

    /// <summary>The imaginary step h.</summary>
    public double Step { get; }

    /// <inheritdoc/>
    protected override string Layout => "N,L,C,T";

    /// <inheritdoc/>
    protected override ScalarType ResultType(Tensor x) => ScalarType.Float64;

    /// <inheritdoc/>
    protected override int RowsPerSample(ILatentEncoder model) => model.Channels * model.Length;

    /// <inheritdoc/>
    public override string Method => "csda";

    /// <inheritdoc/>
    public override string Settings => $"complex-step derivative ∂z/∂x (h = {Step:0.#e+0}, complex128)";

    /// <inheritdoc/>
    protected override BatchAttribution ExplainBatch(ILatentEncoder model, Tensor x, Tensor? baseline, Tensor targetWeights, int batchSize)
    {
        long samples = x.shape[0], channels = x.shape[1], length = x.shape[2];
        var jacobian = ((IComplexStepEncoder)model).ComplexStepJacobian(x, Step, batchSize)           // (C·L, B, D)
            .view(channels, length, samples, -1).permute(2, 1, 0, 3);                                   // (B, L, C, D)
        return new BatchAttribution(jacobian.matmul(targetWeights.to(ScalarType.Float64).t()));         // (B, L, C, T)
    }
}
