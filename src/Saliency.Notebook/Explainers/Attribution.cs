using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>
/// The result of one explanation: <see cref="Values"/> with the target axis last, on the input's device.
/// Layouts: latent maps (GradCAM, Grad-SLAM) are (N, L, T); input attributions are (N, L, C, T);
/// frequency-domain attributions are (N, F, C, T) with F = L/2 + 1 rfft bins. The caller owns (disposes) it.
/// </summary>
public sealed class Attribution : IDisposable
{
    /// <summary>Wraps explainer output; <paramref name="layout"/> names the axes, e.g. <c>N,L,T</c>.</summary>
    public Attribution(Tensor values, string layout, IReadOnlyList<string> targetNames, Tensor? completenessError = null)
    {
        Values = values;
        Layout = layout;
        TargetNames = targetNames;
        CompletenessError = completenessError;
    }

    /// <summary>The attribution values, target axis last (see <see cref="Layout"/>).</summary>
    public Tensor Values { get; }

    /// <summary>Axis names of <see cref="Values"/>, comma-separated: N samples, L time, C channels, F frequency bins, T targets.</summary>
    public string Layout { get; }

    /// <summary>Names of the targets along the last axis (z0.., PC1.., direction).</summary>
    public IReadOnlyList<string> TargetNames { get; }

    /// <summary>
    /// For path methods (integrated gradients): Σ attributions − (f(x) − f(baseline)) per sample and target, (N, T);
    /// null for other methods.
    /// </summary>
    public Tensor? CompletenessError { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Values.Dispose();
        CompletenessError?.Dispose();
    }
}
