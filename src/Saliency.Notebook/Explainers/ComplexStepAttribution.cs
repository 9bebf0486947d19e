using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>How complex-step derivatives are reported.</summary>
public enum ComplexStepReduction
{
    /// <summary>‖(∂(z·W[j])/∂x_{c,t})_j‖₂ over the targets: with all latent dims, the L2 norm of ∂z/∂x_{c,t} (CSDA). One output target.</summary>
    L2NormOverTargets,
    /// <summary>The signed derivative ∂(z·W[j])/∂x_{c,t} for every target.</summary>
    PerTarget,
}

/// <summary>
/// Complex-step derivative attribution (CSDA): ∂z/∂x_{c,t} = Im(z(x + i·h·e_{c,t}))/h with h = 1e−20 in complex128,
/// exact to rounding (no subtraction, so no cancellation), evaluated by <see cref="IComplexStepEncoder.PosteriorMeanComplex"/>.
/// All C·L perturbations of a chunk of samples go through the model as one batch (at most batchSize rows).
/// Result (N, L, C, T) in float64; T = 1 for <see cref="ComplexStepReduction.L2NormOverTargets"/>.
/// </summary>
public sealed class ComplexStepAttribution : LatentExplainer
{
    /// <summary>The default step: far below float64 resolution of x, as the complex-step method allows.</summary>
    public const double DefaultStep = 1e-20;

    /// <summary>CSDA with step <paramref name="step"/> reported by <paramref name="reduction"/>.</summary>
    public ComplexStepAttribution(ComplexStepReduction reduction = ComplexStepReduction.L2NormOverTargets, double step = DefaultStep)
    {
        if (!(step > 0)) throw new ArgumentOutOfRangeException(nameof(step), step, "The complex step must be positive.");
        Reduction = reduction;
        Step = step;
    }

    /// <summary>How the derivatives are reported.</summary>
    public ComplexStepReduction Reduction { get; }

    /// <summary>The imaginary step h.</summary>
    public double Step { get; }

    /// <inheritdoc/>
    protected override string Layout => "N,L,C,T";

    /// <inheritdoc/>
    protected override ScalarType ResultType(Tensor x) => ScalarType.Float64;

    /// <inheritdoc/>
    protected override int RowsPerSample(ILatentEncoder model, int targetCount) => model.Channels * model.Length;

    /// <inheritdoc/>
    protected override void ValidateModel(ILatentEncoder model)
    {
        if (model is not IComplexStepEncoder)
            throw new ArgumentException($"Complex-step attribution needs an {nameof(IComplexStepEncoder)}; {model.GetType().Name} cannot evaluate itself in complex128.", nameof(model));
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> ResultTargetNames(IReadOnlyList<string> targetNames) =>
        Reduction == ComplexStepReduction.PerTarget
            ? targetNames
            : [$"L2({(targetNames.Count == 1 ? targetNames[0] : $"{targetNames[0]}..{targetNames[^1]}")})"];

    /// <inheritdoc/>
    protected override BatchAttribution ExplainBatch(ILatentEncoder model, Tensor x, Tensor? baseline, Tensor targetWeights, int batchSize)
    {
        var encoder = (IComplexStepEncoder)model;
        long samples = x.shape[0], channels = x.shape[1], length = x.shape[2];
        long perturbations = channels * length;
        var real = x.detach().to(ScalarType.Float64);
        long perPass = Math.Max(1, batchSize / samples);
        var columns = new List<Tensor>();
        using (torch.no_grad())
        {
            for (long first = 0; first < perturbations; first += perPass)
            {
                long count = Math.Min(perPass, perturbations - first);
                // Row (k, b): sample b with i·h added at flat position first + k (c·L + t).
                var imaginary = torch.eye(perturbations, dtype: ScalarType.Float64, device: x.device).narrow(0, first, count).mul(Step)
                    .view(count, 1, channels, length).expand(-1, samples, -1, -1);
                var rows = torch.complex(real.unsqueeze(0).expand(count, -1, -1, -1), imaginary).reshape(count * samples, channels, length);
                var latent = encoder.PosteriorMeanComplex(rows);
                columns.Add(torch.imag(latent).div(Step).view(count, samples, -1));                      // (k, B, D)
            }
        }
        var jacobian = (columns.Count == 1 ? columns[0] : torch.cat(columns, 0))                        // (C·L, B, D)
            .view(channels, length, samples, -1).permute(2, 1, 0, 3);                                   // (B, L, C, D)
        var directional = jacobian.matmul(targetWeights.to(ScalarType.Float64).t());                    // (B, L, C, T)
        return new BatchAttribution(Reduction == ComplexStepReduction.PerTarget
            ? directional
            : directional.square().sum(-1, keepdim: true).sqrt());
    }
}
