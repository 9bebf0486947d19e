using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>
/// torch.nn.ConvTranspose1d (stride 1) with its parameters, names (<c>weight</c> (in, out, k), <c>bias</c> (out)) and default
/// initialisation, computed as the equivalent convolution: conv1d of x with the kernel transposed to (out, in, k), flipped in
/// time, and padding k − 1 − p, run through <see cref="ChannelsLastConv1d"/>'s channels-last conv2d. Written by hand because
/// libtorch 2.10's CPU ConvTranspose1d in float32 returns wrong values, NaN among them, on some shapes (e.g. 4→4 channels,
/// k = 5: one call in ten on 2 threads, every call on 1; Models/ChannelsLastConvTranspose1dTests), and so does its
/// conv1d input gradient; the channels-last conv and its gradients are right on all of them.
/// </summary>
public sealed class ChannelsLastConvTranspose1d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;

    /// <summary>A transposed conv from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels, initialised as nn.ConvTranspose1d does.</summary>
    public ChannelsLastConvTranspose1d(long inChannels, long outChannels, long kernelSize, long padding) : base("ConvTranspose1d")
    {
        if (padding < 0 || padding > kernelSize - 1)
            throw new ArgumentOutOfRangeException(nameof(padding), padding, $"padding must be in [0, kernel size − 1 = {kernelSize - 1}].");
        // PyTorch's initialisation, drawn from the same generator in the same order as nn.ConvTranspose1d's own.
        using var reference = nn.ConvTranspose1d(inChannels, outChannels, kernelSize, padding: padding);
        (weight, bias) = ChannelsLastConv1d.CopyParameters(reference.weight!, reference.bias!);
        Padding = padding;
        RegisterComponents();
    }

    /// <summary>Implicit zero padding p of the transposed conv: the output has length L + k − 1 − 2p.</summary>
    public long Padding { get; }

    /// <summary>The kernel, (in, out, k) as in PyTorch.</summary>
    public Parameter Weight => weight;

    /// <summary>The bias, (out).</summary>
    public Parameter Bias => bias;

    /// <summary>(B, in, L) → (B, out, L + k − 1 − 2p), contiguous.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long kernelSize = weight.shape[2];
        var convolutionKernel = weight.transpose(0, 1).flip(2);
        return ChannelsLastConv1d.Convolve(input, convolutionKernel, bias, kernelSize - 1 - Padding).MoveToOuterDisposeScope();
    }
}
