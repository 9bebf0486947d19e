using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>
/// Any TorchSharp module that maps x (B, C, L) to posterior means (B, D), as an <see cref="ILatentEncoder"/>: the explainers and the
/// global maps then run on it like on the paper's CVAE. Name the hooked layer by its path in the module tree (the field names of
/// the module's submodules, e.g. <c>conv2</c>, or <c>features.3</c> inside a Sequential), as <c>named_modules()</c> lists them; its
/// submodules must be run with <c>call()</c> so that hooks fire.
/// </summary>
public sealed class ModuleEncoder : ILatentEncoder
{
    private readonly nn.Module<Tensor, Tensor> _module;

    /// <summary>Wraps <paramref name="module"/> for inputs of <paramref name="channels"/> × <paramref name="length"/>; D is read from one
    /// forward pass of a zero series, which must give a (1, D) tensor.</summary>
    public ModuleEncoder(nn.Module<Tensor, Tensor> module, int channels, int length)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (channels < 1 || length < 1) throw new ArgumentException($"channels and length must be positive; got {channels} × {length}.");
        _module = module;
        Channels = channels;
        Length = length;
        var parameter = module.parameters().FirstOrDefault();
        using var noGrad = no_grad();
        using var probe = zeros(1, channels, length, dtype: parameter?.dtype ?? ScalarType.Float32, device: parameter?.device ?? CPU);
        using var output = PosteriorMean(probe);
        if (output.dim() != 2 || output.shape[0] != 1)
            throw new ArgumentException($"the module must map (B, {channels}, {length}) to posterior means (B, D); it gave shape [{string.Join(", ", output.shape)}] for B = 1.");
        LatentDim = (int)output.shape[1];
    }

    /// <inheritdoc/>
    public int Channels { get; }

    /// <inheritdoc/>
    public int Length { get; }

    /// <inheritdoc/>
    public int LatentDim { get; }

    /// <inheritdoc/>
    public nn.Module Root => _module;

    /// <inheritdoc/>
    /// <remarks>Runs the module in eval mode (dropout off) and gives each module back its mode afterwards.</remarks>
    public Tensor PosteriorMean(Tensor x)
    {
        var modes = _module.modules().Prepend(_module).Select(m => (Module: m, m.training)).ToList();
        _module.eval();
        try
        {
            return _module.call(x);
        }
        finally
        {
            foreach (var (module, training) in modes) module.train(training);
        }
    }
}
