using Saliency.Notebook.Models;
using Saliency.Notebook.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Models;

/// <summary>
/// The kit's transposed conv against PyTorch's definition: nn.ConvTranspose1d's initialisation, libtorch's float64 (native)
/// conv_transpose1d, and a float32 sum written out with einsum on the shapes where libtorch's float32 ConvTranspose1d is wrong.
/// Seeded draws from torch's process-wide generator, so in the serial collection.
/// </summary>
[Collection(GlobalTorchRandomness.Name)]
public sealed class ChannelsLastConvTranspose1dTests
{
    [Fact]
    public void It_is_initialised_as_nn_ConvTranspose1d_from_the_same_seed()
    {
        torch.manual_seed(7);
        using var kit = new ChannelsLastConvTranspose1d(16, 2, 17, 8);
        torch.manual_seed(7);
        using var reference = nn.ConvTranspose1d(16, 2, 17, padding: 8);

        Assert.True(kit.Weight.equal(reference.weight!).all().item<bool>());
        Assert.True(kit.Bias.equal(reference.bias!).all().item<bool>());
        Assert.Equal(new long[] { 16, 2, 17 }, kit.Weight.shape);
        Assert.Equal(new[] { "weight", "bias" }, kit.named_parameters().Select(p => p.name));
    }

    [Theory]
    [InlineData(16, 2, 17, 8, 60)]
    [InlineData(4, 4, 5, 2, 20)]
    [InlineData(3, 5, 4, 3, 9)]        // even k and p ≠ (k − 1) / 2: length L + k − 1 − 2p = 6
    public void Its_output_and_gradients_equal_conv_transpose1d_in_float64(int inChannels, int outChannels, int k, int padding, int length)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        var conv = new ChannelsLastConvTranspose1d(inChannels, outChannels, k, padding);
        conv.to(ScalarType.Float64);
        var x = randn(5, inChannels, length, dtype: ScalarType.Float64, requires_grad: true);
        var y = conv.call(x);
        var upstream = randn(y.shape, dtype: ScalarType.Float64);
        var actual = torch.autograd.grad([y], [x, conv.Weight, conv.Bias], [upstream]);

        var expected = nn.functional.conv_transpose1d(x, conv.Weight, conv.Bias, padding: padding);
        var expectedGradients = torch.autograd.grad([expected], [x, conv.Weight, conv.Bias], [upstream]);

        Assert.True(y.is_contiguous());
        Assert.Equal(expected.shape, y.shape);
        Assert.True(y.allclose(expected, rtol: 1e-12, atol: 1e-12));
        for (int i = 0; i < 3; i++) Assert.True(actual[i].allclose(expectedGradients[i], rtol: 1e-12, atol: 1e-12), $"gradient {i}");
    }

    /// <summary>
    /// libtorch 2.10's float32 nn.ConvTranspose1d gets these shapes wrong (3→3, k3: every call; 4→4, k5, 64 × 200: about one
    /// call in three on 2 threads; NaN among the wrong values); the kit's must be right on every call, output and input gradient.
    /// </summary>
    [Theory]
    [InlineData(3, 3, 3, 30, 10)]
    [InlineData(4, 4, 5, 200, 64)]
    [InlineData(4, 2, 5, 20, 60)]
    public void In_float32_it_is_right_on_every_call_where_libtorchs_own_is_not(int inChannels, int outChannels, int k, int length, int n)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        int padding = (k - 1) / 2;
        var conv = new ChannelsLastConvTranspose1d(inChannels, outChannels, k, padding);
        var x = randn(n, inChannels, length);
        var upstream = randn(n, outChannels, length);
        var expected = EinsumConvTranspose(x, conv.Weight.detach(), conv.Bias.detach(), padding);
        // d/dx Σ upstream · convT(x) is conv1d(upstream, W) with padding p, written out the same way with the kernel flipped back.
        var expectedInputGradient = EinsumConvTranspose(upstream, conv.Weight.detach().transpose(0, 1).flip(2), zeros(inChannels), k - 1 - padding);

        for (int call = 0; call < 20; call++)
        {
            using var callScope = NewDisposeScope();
            var input = x.detach().requires_grad_(true);
            var y = conv.call(input);
            var inputGradient = torch.autograd.grad([y], [input], [upstream])[0];
            double outputError = (y - expected).abs().max().item<float>();
            double gradientError = (inputGradient - expectedInputGradient).abs().max().item<float>();
            Assert.True(outputError < 1e-4, $"call {call}: output off by {outputError}");
            Assert.True(gradientError < 1e-4, $"call {call}: input gradient off by {gradientError}");
        }
    }

    /// <summary>y[b, o, t] = bias[o] + Σ_{i, j} x[b, i, t + p − j] · W[i, o, j], as k einsums over shifted slices (no conv kernel).</summary>
    private static Tensor EinsumConvTranspose(Tensor x, Tensor weight, Tensor bias, int padding)
    {
        long n = x.shape[0], length = x.shape[2], k = weight.shape[2], outChannels = weight.shape[1];
        var full = zeros(n, outChannels, length + k - 1);
        for (int j = 0; j < k; j++)
            full[.., .., j..(int)(j + length)] += einsum("bis,io->bos", x, weight[.., .., j]);
        return full[.., .., padding..(int)(padding + length + k - 1 - 2 * padding)] + bias.view(1, -1, 1);
    }
}
