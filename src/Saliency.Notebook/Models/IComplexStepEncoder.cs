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
}
