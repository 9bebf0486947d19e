using Saliency.Notebook.Models;
using Saliency.Notebook.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Models;

/// <summary>The kit's conv against nn.Conv1d; seeded draws from torch's process-wide generator, so in the serial collection.</summary>
[Collection(GlobalTorchRandomness.Name)]
public sealed class ChannelsLastConv1dTests
{
    [Fact]
    public void It_is_initialised_as_nn_Conv1d_from_the_same_seed()
    {
        torch.manual_seed(7);
        using var kit = new ChannelsLastConv1d(2, 16, 17, 8);
        torch.manual_seed(7);
        using var reference = nn.Conv1d(2, 16, 17, padding: 8);

        Assert.True(kit.Weight.equal(reference.weight!).all().item<bool>());
        Assert.True(kit.Bias.equal(reference.bias!).all().item<bool>());
        Assert.Equal(new[] { "weight", "bias" }, kit.named_parameters().Select(p => p.name));
    }

    [Theory]
    [InlineData(2, 60)]
    [InlineData(16, 200)]
    public void Its_output_and_gradients_equal_conv1d_in_float64(int channels, int length)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        var conv = new ChannelsLastConv1d(channels, 16, 17, 8);
        conv.to(ScalarType.Float64);
        var x = randn(5, channels, length, dtype: ScalarType.Float64, requires_grad: true);
        var y = conv.call(x);
        var upstream = randn(y.shape, dtype: ScalarType.Float64);
        var (dx, dw, db) = Gradients(y, upstream, x, conv.Weight, conv.Bias);

        var expected = nn.functional.conv1d(x, conv.Weight, conv.Bias, padding: 8);
        var (ex, ew, eb) = Gradients(expected, upstream, x, conv.Weight, conv.Bias);

        Assert.True(y.is_contiguous());
        Assert.Equal(expected.shape, y.shape);
        Assert.True(y.allclose(expected, rtol: 1e-12, atol: 1e-12));
        Assert.True(dx.allclose(ex, rtol: 1e-12, atol: 1e-12));
        Assert.True(dw.allclose(ew, rtol: 1e-12, atol: 1e-12));
        Assert.True(db.allclose(eb, rtol: 1e-12, atol: 1e-12));
    }

    [Fact]
    public void In_float32_it_agrees_with_conv1d_to_rounding()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        var conv = new ChannelsLastConv1d(16, 16, 17, 8);
        var x = randn(300, 16, 60);
        using var noGrad = no_grad();
        var y = conv.call(x);
        var expected = nn.functional.conv1d(x, conv.Weight, conv.Bias, padding: 8);
        double error = (y - expected).abs().max().item<float>();
        double size = expected.abs().max().item<float>();
        Assert.True(error <= 1e-5 * size, $"max |difference| {error} for values up to {size}");
    }

    private static (Tensor, Tensor, Tensor) Gradients(Tensor output, Tensor upstream, Tensor x, Tensor weight, Tensor bias)
    {
        var grads = torch.autograd.grad([output], [x, weight, bias], [upstream], retain_graph: true);
        return (grads[0], grads[1], grads[2]);
    }
}
