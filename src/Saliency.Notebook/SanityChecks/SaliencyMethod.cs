using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.SanityChecks;

/// <summary>
/// Per-time-step maps of one method towards every latent dimension, both (N, L, D) float64 on the CPU:
/// <see cref="Signed"/> keeps the method's sign (input attributions summed over channels), <see cref="Absolute"/> is
/// the sign-free saliency (|CAM|, or Σ_c |attribution| for input methods). The caller disposes it.
/// </summary>
public sealed class MethodMaps : IDisposable
{
    /// <summary>Wraps the two (N, L, D) maps.</summary>
    public MethodMaps(Tensor signed, Tensor absolute)
    {
        Signed = signed;
        Absolute = absolute;
    }

    /// <summary>Signed maps (N, L, D).</summary>
    public Tensor Signed { get; }

    /// <summary>Sign-free maps (N, L, D).</summary>
    public Tensor Absolute { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Signed.Dispose();
        Absolute.Dispose();
    }
}

/// <summary>
/// A saliency method the checks can run, by name: the paper's GradCAM and the kit's other explainers, each reduced to
/// per-step maps towards every latent dimension (<see cref="MethodMaps"/>) so that every check treats them alike.
/// </summary>
public sealed class SaliencyMethod
{
    private readonly Func<ILatentEncoder, string, IExplainer> _explainer;

    private SaliencyMethod(string name, string description, Func<ILatentEncoder, string, IExplainer> explainer)
    {
        Name = name;
        Description = description;
        _explainer = explainer;
    }

    /// <summary>Command-line name, e.g. <c>gradcam</c>.</summary>
    public string Name { get; }

    /// <summary>What the method computes.</summary>
    public string Description { get; }

    /// <summary>The paper's method: GradCAM at one encoder layer (|M| is the paper's map).</summary>
    public static SaliencyMethod GradCam { get; } = new("gradcam", "GradCAM at the hooked layer (signed M; |M| is the paper's map)",
        (_, layer) => new GradCam(layer, CamMode.Signed));

    /// <summary>Grad-SLAM: signed GradCAM averaged over every encoder convolution, each layer max-normalised.</summary>
    public static SaliencyMethod GradSlam { get; } = new("gradslam", "Grad-SLAM over every Conv1d of the encoder",
        (model, _) => new GradSlam(Explainers.GradSlam.ConvolutionLayers(model)));

    /// <summary>The plain input gradient ∂z/∂x.</summary>
    public static SaliencyMethod Gradient { get; } = new("gradient", "vanilla gradient ∂z/∂x, summed over channels",
        (_, _) => new VanillaGradient());

    /// <summary>Integrated gradients from a zero baseline (16 trapezoid steps).</summary>
    public static SaliencyMethod IntegratedGradients { get; } = new("ig", "integrated gradients, zero baseline, 16 trapezoid steps, summed over channels",
        (_, _) => new IntegratedGradients(steps: 16));

    /// <summary>Complex-step derivative attribution (per latent dimension, signed).</summary>
    public static SaliencyMethod ComplexStep { get; } = new("csda", "complex-step derivative ∂z/∂x (h = 1e-20, complex128), summed over channels",
        (_, _) => new ComplexStepAttribution(ComplexStepReduction.PerTarget));

    /// <summary>Every method, in the order reports list them.</summary>
    public static IReadOnlyList<SaliencyMethod> All { get; } = [GradCam, GradSlam, Gradient, IntegratedGradients, ComplexStep];

    /// <summary>The method called <paramref name="name"/> (case-insensitive), or an error listing the names.</summary>
    public static SaliencyMethod Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(m => string.Equals(m.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
               ?? throw new ArgumentException($"unknown method '{name}'; known: {string.Join(", ", All.Select(m => m.Name))}.", nameof(name));
    }

    /// <summary>
    /// The method's maps of <paramref name="model"/> on x (N, C, L) (moved to <paramref name="device"/>) towards every latent
    /// dimension; <paramref name="layer"/> is the hooked layer of GradCAM.
    /// </summary>
    public MethodMaps Compute(ILatentEncoder model, Tensor x, Device device, int batchSize, string layer = Explainers.GradCam.PaperLayer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        using var scope = torch.NewDisposeScope();
        var onDevice = x.to(device);
        using var attribution = _explainer(model, layer).Explain(model, onDevice, LatentTarget.AllDimensions, batchSize);
        var values = attribution.Values.to(ScalarType.Float64).cpu();
        Tensor signed, absolute;
        if (values.dim() == 3)
        {
            signed = values;
            absolute = values.abs();
        }
        else
        {
            signed = values.sum(2);
            absolute = values.abs().sum(2);
        }
        return new MethodMaps(signed.MoveToOuterDisposeScope(), absolute.MoveToOuterDisposeScope());
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
