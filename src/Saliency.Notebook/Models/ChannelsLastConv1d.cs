using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>
/// torch.nn.Conv1d ('same' padding) with its parameters, names (<c>weight</c> (out, in, k), <c>bias</c> (out)) and default
/// initialisation, computed as a channels-last conv2d of height 1. libtorch 2.10's oneDNN runs a plain-layout conv1d through
/// im2col and a GEMM but a channels-last conv2d through its direct kernels: 3× faster for the CVAE's encoder on the 2-core CPU
/// (README "Speed"). Input and output are ordinary contiguous (batch, channels, time) tensors, so hooks and callers see a Conv1d.
/// Written by hand because TorchSharp's Conv1d is sealed and has no memory-format option.
/// </summary>
public sealed class ChannelsLastConv1d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;

    /// <summary>A conv from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels, initialised as nn.Conv1d does.</summary>
    public ChannelsLastConv1d(long inChannels, long outChannels, long kernelSize, long padding) : base("Conv1d")
    {
        // PyTorch's initialisation, drawn from the same generator in the same order as nn.Conv1d's own.
        using var reference = nn.Conv1d(inChannels, outChannels, kernelSize, padding: padding);
        (weight, bias) = CopyParameters(reference.weight!, reference.bias!);
        Padding = padding;
        RegisterComponents();
    }

    /// <summary>Zero padding on each side of the time axis ((k − 1) / 2: the output keeps the input's length).</summary>
    public long Padding { get; }

    /// <summary>The kernel, (out, in, k).</summary>
    public Parameter Weight => weight;

    /// <summary>The bias, (out).</summary>
    public Parameter Bias => bias;

    /// <summary>(B, in, L) → (B, out, L), contiguous.</summary>
    public override Tensor forward(Tensor input) => Convolve(input, weight, bias, Padding);

    /// <summary>New parameters holding copies of a reference module's weight and bias (its initialisation, not its storage).</summary>
    internal static (Parameter Weight, Parameter Bias) CopyParameters(Tensor weight, Tensor bias)
    {
        using var noGrad = no_grad();
        using var referenceWeight = weight.detach();   // named, so no temporary is left to the garbage collector mid-call
        using var referenceBias = bias.detach();
        return (new Parameter(referenceWeight.clone()), new Parameter(referenceBias.clone()));
    }

    /// <summary>conv1d(<paramref name="input"/>, <paramref name="kernel"/> (out, in, k), <paramref name="bias"/>) with zero padding <paramref name="padding"/> on each side, as a channels-last conv2d; contiguous.</summary>
    internal static Tensor Convolve(Tensor input, Tensor kernel, Tensor bias, long padding)
    {
        using var scope = NewDisposeScope();
        var output = nn.functional.conv2d(ChannelsLast(input.unsqueeze(2)), ChannelsLast(kernel.unsqueeze(2)), bias, padding: [0, padding]);
        return output.squeeze(2).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The same 4-D tensor with channels-last strides (channels vary fastest), which selects oneDNN's direct kernels.</summary>
    private static Tensor ChannelsLast(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
}
