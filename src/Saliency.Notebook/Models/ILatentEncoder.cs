using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>
/// What the explainers need of a model: the deterministic posterior mean of a batch and the module tree whose
/// named layers (PyTorch state_dict names, e.g. <c>encoder.0.layers.6</c>) they can hook. The kit's CVAE
/// implements it; tests implement it with tiny hand-built networks.
/// </summary>
public interface ILatentEncoder
{
    /// <summary>Channels C of the input (B, C, L).</summary>
    int Channels { get; }

    /// <summary>Series length L of the input (B, C, L).</summary>
    int Length { get; }

    /// <summary>Latent size D.</summary>
    int LatentDim { get; }

    /// <summary>
    /// The module tree that holds the named layers. Its submodules must be invoked through
    /// <c>call()</c> during <see cref="PosteriorMean"/> so that forward hooks registered on them fire.
    /// </summary>
    nn.Module Root { get; }

    /// <summary>Posterior mean (B, D) of x (B, C, L), differentiable, in eval mode (dropout off).</summary>
    Tensor PosteriorMean(Tensor x);
}
