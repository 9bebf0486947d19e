using Saliency.Notebook.Models;

namespace Saliency.Notebook.Explainers;

/// <summary>Whether a method attributes to a layer's time steps per latent target, or to the input's (time, channel) cells.</summary>
public enum AttributionKind
{
    /// <summary>One map over time per latent target: (N, L, T).</summary>
    PerLatent,
    /// <summary>One value per input cell per target: (N, L, C, T) (Fourier IG: frequency bins instead of L).</summary>
    Input,
}

/// <summary>One explainer of the kit by its command-line name, with how its result is laid out.</summary>
public sealed record ExplainerChoice(string Name, string Description, AttributionKind Kind, IExplainer Explainer);

/// <summary>
/// The kit's explainers by name (the <c>--method</c> values of <c>saliency explain</c>): gradcam, gradslam, gradient,
/// gradxinput, guided, ig, fourier-ig, csda.
/// </summary>
public static class ExplainerCatalog
{
    /// <summary>Method names in the order the help lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["gradcam", "gradslam", "gradient", "gradxinput", "guided", "ig", "fourier-ig", "csda"];

    /// <summary>
    /// Builds the explainer <paramref name="name"/>; <paramref name="layer"/> and <paramref name="mode"/> apply to gradcam,
    /// <paramref name="steps"/> to the integrated-gradient methods. Grad-SLAM uses every conv layer of the encoder.
    /// </summary>
    public static ExplainerChoice Create(string name, ILatentEncoder model, string layer = GradCam.PaperLayer, CamMode mode = CamMode.Abs, int steps = 50)
    {
        ArgumentNullException.ThrowIfNull(model);
        return (name ?? "").ToLowerInvariant() switch
        {
            "gradcam" => new("gradcam", $"GradCAM ({mode}) at {layer}", AttributionKind.PerLatent, new GradCam(layer, mode)),
            "gradslam" => new("gradslam", "Grad-SLAM: signed GradCAM merged over the encoder's conv layers", AttributionKind.PerLatent,
                new GradSlam(GradSlam.ConvolutionLayers(model))),
            "gradient" => new("gradient", "vanilla gradient ∂z/∂x", AttributionKind.Input, new VanillaGradient()),
            "gradxinput" => new("gradxinput", "gradient × input", AttributionKind.Input, new GradientTimesInput()),
            "guided" => new("guided", "guided backpropagation", AttributionKind.Input, new GuidedBackprop()),
            "ig" => new("ig", $"integrated gradients, zero baseline, {steps} steps", AttributionKind.Input, new IntegratedGradients(steps)),
            "fourier-ig" => new("fourier-ig", $"integrated gradients in the Fourier domain (rfft bins), zero baseline, {steps} steps", AttributionKind.Input,
                new CrossDomainIntegratedGradients(FourierDomain.Instance, steps)),
            "csda" => new("csda", "complex-step derivative attribution: L2 norm over latent dims of ∂z/∂x", AttributionKind.Input, new ComplexStepAttribution()),
            _ => throw new ArgumentException($"Unknown method '{name}'. Known: {string.Join(", ", Names)}."),
        };
    }
}
