using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>
/// An encoder that can evaluate its posterior mean in complex128 arithmetic (complex-step derivatives): every
/// holomorphic op as usual, ReLU acting by the sign of the real part.
/// </summary>
public interface IComplexStepEncoder : ILatentEncoder
{
    /// <summary>x complex128 (B, C, L) → complex128 (B, D); the model's weights are used as complex128.</summary>
    Tensor PosteriorMeanComplex(Tensor x);

    /// <summary>
    /// The complex-step derivatives Im(z(x + i·h·e_{c,t}))/h of the posterior mean at every sample of x (B, C, L) for all C·L unit
    /// perturbations, as float64 (C·L, B, D) in flat order c·L + t, with at most <paramref name="batchSize"/> rows per model pass.
    /// This default sends the complex rows through <see cref="PosteriorMeanComplex"/>; an encoder may supply an equal, faster evaluation.
    /// </summary>
    Tensor ComplexStepJacobian(Tensor x, double step, int batchSize)
    {
        long samples = x.shape[0], channels = x.shape[1], length = x.shape[2];
        long perturbations = channels * length;
        long perPass = Math.Max(1, batchSize / samples);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var real = x.detach().to(ScalarType.Float64);
        var columns = new List<Tensor>();
        for (long first = 0; first < perturbations; first += perPass)
        {
            using var passScope = torch.NewDisposeScope();                                               // frees the pass's rows before the next
            long count = Math.Min(perPass, perturbations - first);
            // Row (k, b): sample b with i·h added at flat position first + k (c·L + t); only this chunk's count one-hot
            // rows are built (count × C·L), never the (C·L)² identity.
            var positions = torch.arange(first, first + count, dtype: ScalarType.Int64, device: x.device).unsqueeze(1);
            var imaginary = torch.zeros(count, perturbations, dtype: ScalarType.Float64, device: x.device)
                .scatter_(1, positions, torch.full(count, 1, step, dtype: ScalarType.Float64, device: x.device))
                .view(count, 1, channels, length).expand(-1, samples, -1, -1);
            var rows = torch.complex(real.unsqueeze(0).expand(count, -1, -1, -1), imaginary).reshape(count * samples, channels, length);
            var latent = PosteriorMeanComplex(rows);
            columns.Add(torch.imag(latent).div(step).view(count, samples, -1).MoveToOuterDisposeScope());     // (k, B, D)
        }
        return (columns.Count == 1 ? columns[0] : torch.cat(columns, 0)).MoveToOuterDisposeScope();
    }
}
