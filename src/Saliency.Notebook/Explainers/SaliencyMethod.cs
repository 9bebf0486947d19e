using Saliency.Notebook.IO;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>Whether a method attributes to a layer's time steps per latent target, or to the input's (position, channel) cells.</summary>
public enum AttributionKind
{
    /// <summary>One map over time per latent target: (N, L, T).</summary>
    PerLatent,
    /// <summary>One value per input cell per target: (N, L, C, T) (Fourier IG: frequency bins instead of L).</summary>
    Input,
}

/// <summary>What the position axis of a method's maps is.</summary>
public enum AttributionAxis
{
    /// <summary>The L time steps of the series.</summary>
    Time,
    /// <summary>The L/2 + 1 rfft frequency bins (Fourier integrated gradients).</summary>
    Frequency,
}

/// <summary>
/// The settings a method may take, with the kit's one set of defaults: GradCAM at the paper's layer as |M| (the paper's map),
/// integrated gradients with <see cref="IntegratedGradients.DefaultSteps"/> trapezoid steps.
/// </summary>
public sealed record MethodSettings
{
    /// <summary>The defaults.</summary>
    public static MethodSettings Default { get; } = new();

    /// <summary>The hooked layer of GradCAM.</summary>
    public string Layer { get; init; } = GradCam.PaperLayer;

    /// <summary>GradCAM's post-processing: |M| as the paper.</summary>
    public CamMode Mode { get; init; } = CamMode.Abs;

    /// <summary>Quadrature points of the integrated-gradient methods.</summary>
    public int Steps { get; init; } = IntegratedGradients.DefaultSteps;
}

/// <summary>
/// Per-position maps of one method towards every latent dimension, both (N, P, D) float64 on the CPU (P = time steps, or
/// frequency bins for <see cref="AttributionAxis.Frequency"/>): <see cref="Signed"/> keeps the method's sign (GradCAM's signed
/// map whatever its mode, input attributions summed over channels), <see cref="Absolute"/> is the sign-free saliency (|map|,
/// GradCAM's ReLU in mode relu, or Σ_c |attribution| for input methods).
/// The caller disposes it.
/// </summary>
public sealed class MethodMaps : IDisposable
{
    /// <summary>Wraps the two (N, P, D) maps.</summary>
    public MethodMaps(Tensor signed, Tensor absolute)
    {
        Signed = signed;
        Absolute = absolute;
    }

    /// <summary>Signed maps (N, P, D).</summary>
    public Tensor Signed { get; }

    /// <summary>Sign-free maps (N, P, D).</summary>
    public Tensor Absolute { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Signed.Dispose();
        Absolute.Dispose();
    }
}

/// <summary>
/// One saliency method of <see cref="MethodRegistry"/>: its command-line name, its layout and axis, and how to make its explainer
/// for a model with a <see cref="MethodSettings"/>.
/// </summary>
public sealed class SaliencyMethod
{
    private readonly Func<ILatentEncoder, MethodSettings, LatentExplainer> _create;
    private readonly Func<MethodSettings, string> _describe;

    internal SaliencyMethod(string name, AttributionKind kind, AttributionAxis axis, Func<MethodSettings, string> describe,
        Func<ILatentEncoder, MethodSettings, LatentExplainer> create)
    {
        Name = name;
        Kind = kind;
        Axis = axis;
        _describe = describe;
        _create = create;
    }

    /// <summary>Command-line name, e.g. <c>gradcam</c>.</summary>
    public string Name { get; }

    /// <summary>How its attribution is laid out.</summary>
    public AttributionKind Kind { get; }

    /// <summary>What the position axis of its maps is.</summary>
    public AttributionAxis Axis { get; }

    /// <summary>What the method computes with <paramref name="settings"/> (default: <see cref="MethodSettings.Default"/>).</summary>
    public string Describe(MethodSettings? settings = null) => _describe(settings ?? MethodSettings.Default);

    /// <summary>The method's explainer bound to <paramref name="model"/>, with <paramref name="settings"/> (default: <see cref="MethodSettings.Default"/>).</summary>
    public LatentExplainer Create(ILatentEncoder model, MethodSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return _create(model, settings ?? MethodSettings.Default);
    }

    /// <summary>
    /// The method's maps of <paramref name="model"/> on x (N, C, L) (moved to <paramref name="device"/>) towards every latent
    /// dimension, reduced over channels for input methods (see <see cref="MethodMaps"/>).
    /// </summary>
    public MethodMaps Maps(ILatentEncoder model, Tensor x, Device device, int batchSize, MethodSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        using var scope = torch.NewDisposeScope();
        var onDevice = x.to(device);
        settings ??= MethodSettings.Default;
        bool cam = ReferenceEquals(this, MethodRegistry.GradCam);
        // GradCAM is computed signed (Σ_k α_k A_k), so Signed keeps its sign whatever the mode; Absolute applies the mode.
        using var attribution = Create(model, cam ? settings with { Mode = CamMode.Signed } : settings).Attribute(onDevice, batchSize: batchSize);
        var values = attribution.Values.to(ScalarType.Float64).cpu();
        Tensor signed, absolute;
        if (Kind == AttributionKind.PerLatent)
        {
            signed = values;
            absolute = cam && settings.Mode == CamMode.Relu ? values.relu() : values.abs();
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

/// <summary>
/// The kit's one registry of saliency methods, by command-line name: what the tool (<c>saliency explain</c>,
/// <c>saliency sanity --method</c>), the sanity checks and the notebooks pick from, with one set of defaults
/// (<see cref="MethodSettings"/>): gradcam, gradslam, gradient, gradxinput, guided, ig, fourier-ig, csda.
/// </summary>
public static class MethodRegistry
{
    /// <summary>The paper's method: GradCAM at one encoder layer, |M| by default.</summary>
    public static SaliencyMethod GradCam { get; } = new("gradcam", AttributionKind.PerLatent, AttributionAxis.Time,
        s => $"GradCAM ({s.Mode.ToString().ToLowerInvariant()}) at {s.Layer}", (model, s) => new Explainers.GradCam(model, s.Layer, s.Mode));

    /// <summary>Grad-SLAM: signed GradCAM averaged over every encoder convolution, each layer max-normalised.</summary>
    public static SaliencyMethod GradSlam { get; } = new("gradslam", AttributionKind.PerLatent, AttributionAxis.Time,
        _ => "Grad-SLAM: signed GradCAM merged over the encoder's conv layers", (model, _) => new Explainers.GradSlam(model));

    /// <summary>The plain input gradient ∂z/∂x.</summary>
    public static SaliencyMethod Gradient { get; } = new("gradient", AttributionKind.Input, AttributionAxis.Time,
        _ => "vanilla gradient ∂z/∂x", (model, _) => new VanillaGradient(model));

    /// <summary>Gradient × input.</summary>
    public static SaliencyMethod GradientTimesInput { get; } = new("gradxinput", AttributionKind.Input, AttributionAxis.Time,
        _ => "gradient × input", (model, _) => new Explainers.GradientTimesInput(model));

    /// <summary>Guided backpropagation.</summary>
    public static SaliencyMethod Guided { get; } = new("guided", AttributionKind.Input, AttributionAxis.Time,
        _ => "guided backpropagation", (model, _) => new GuidedBackprop(model));

    /// <summary>Integrated gradients from a zero baseline (trapezoid rule).</summary>
    public static SaliencyMethod IntegratedGradients { get; } = new("ig", AttributionKind.Input, AttributionAxis.Time,
        s => $"integrated gradients, zero baseline, {s.Steps} trapezoid steps", (model, s) => new Explainers.IntegratedGradients(model, s.Steps));

    /// <summary>Integrated gradients in the Fourier domain (rfft bins), zero baseline.</summary>
    public static SaliencyMethod FourierIntegratedGradients { get; } = new("fourier-ig", AttributionKind.Input, AttributionAxis.Frequency,
        s => $"integrated gradients in the Fourier domain (rfft bins), zero baseline, {s.Steps} trapezoid steps",
        (model, s) => new Explainers.FourierIntegratedGradients(model, s.Steps));

    /// <summary>Complex-step derivative attribution ∂z/∂x per latent dimension, signed.</summary>
    public static SaliencyMethod ComplexStep { get; } = new("csda", AttributionKind.Input, AttributionAxis.Time,
        _ => "complex-step derivative ∂z/∂x (h = 1e-20, complex128)", (model, _) => new ComplexStepAttribution(model));

    /// <summary>Every method, in the order help and reports list them.</summary>
    public static IReadOnlyList<SaliencyMethod> All { get; } =
        [GradCam, GradSlam, Gradient, GradientTimesInput, Guided, IntegratedGradients, FourierIntegratedGradients, ComplexStep];

    /// <summary>The names of <see cref="All"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(m => m.Name).ToArray();

    /// <summary>The method called <paramref name="name"/> (case-insensitive), or an error listing the names.</summary>
    public static SaliencyMethod Get(string name) => Registry.Find(All, m => m.Name, name, "method");
}
