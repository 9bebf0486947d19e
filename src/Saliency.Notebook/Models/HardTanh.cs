using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>
/// PyTorch's <c>nn.Hardtanh(min, max)</c> as a clamp. TorchSharp 0.107's <c>nn.Hardtanh</c>, <c>functional.hardtanh</c> and
/// <c>Tensor.hardtanh</c> return their input object unclamped (checked), which also makes <c>Sequential</c> dispose its own result.
/// </summary>
public sealed class HardTanh : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the clamp to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public HardTanh(double min, double max) : base("Hardtanh")
    {
        Min = min;
        Max = max;
    }

    /// <summary>Lower bound.</summary>
    public double Min { get; }

    /// <summary>Upper bound.</summary>
    public double Max { get; }

    /// <summary>clamp(x, min, max); its gradient passes on the closed interval (Hardtanh's on the open one: equal except on the bounds).</summary>
    public override Tensor forward(Tensor input) => input.clamp(Min, Max);
}
