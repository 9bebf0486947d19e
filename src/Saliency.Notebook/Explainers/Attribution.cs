using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>
/// The one result of every explainer: <see cref="Values"/> with the target axis last, and what made them (method, settings,
/// axis, device, seconds). Layouts: latent maps (GradCAM, Grad-SLAM) are (N, L, T); input attributions are (N, L, C, T);
/// frequency-domain attributions are (N, F, C, T) with F = L/2 + 1 rfft bins. Values are on the input's device, or on the CPU
/// when a dataset was explained (then <see cref="Labels"/> holds its labels). The caller owns (disposes) it; notebooks display it.
/// </summary>
public sealed class Attribution : IDisposable
{
    /// <summary>Wraps explainer output; <paramref name="layout"/> names the axes, e.g. <c>N,L,T</c>.</summary>
    public Attribution(Tensor values, string layout, IReadOnlyList<string> targetNames, Tensor? completenessError = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(targetNames);
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

    /// <summary>The method's registry name, e.g. <c>gradcam</c>.</summary>
    public string Method { get; init; } = "";

    /// <summary>What the method computed, with its settings, in words.</summary>
    public string Settings { get; init; } = "";

    /// <summary>What the position axis is: time steps or rfft frequency bins.</summary>
    public AttributionAxis Axis { get; init; } = AttributionAxis.Time;

    /// <summary>The device the explainer ran on.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Seconds for all samples and targets.</summary>
    public double Seconds { get; init; }

    /// <summary>How the values were computed when the method has a faster exact path (GradCAM's affine head), else null.</summary>
    public string? Route { get; init; }

    /// <summary>The hooked layer(s) of a layer method (GradCAM, Grad-SLAM), else null.</summary>
    public string? Layer { get; init; }

    /// <summary>Rows (sample × target × step) sent through the model in one pass.</summary>
    public int BatchSize { get; init; }

    /// <summary>The dataset's name when a dataset was explained, else null.</summary>
    public string? Dataset { get; init; }

    /// <summary>The samples' labels when a dataset was explained, else null.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>N, the number of samples.</summary>
    public int Count => (int)Values.shape[0];

    /// <summary>
    /// The mean of the values over the samples of <paramref name="label"/> (all samples when null) as (T, P), P the position axis:
    /// where each target looks on average. Input attributions are summed over channels first.
    /// </summary>
    public double[,] MeanMap(string? label = null)
    {
        using var scope = torch.NewDisposeScope();
        Tensor selected = Values;
        if (label != null)
        {
            if (Labels is null) throw new InvalidOperationException("This attribution has no labels: explain a dataset to get per-label means.");
            long[] rows = Enumerable.Range(0, Labels.Count).Where(i => Labels[i] == label).Select(i => (long)i).ToArray();
            if (rows.Length == 0) throw new ArgumentException($"No sample is labelled '{label}'.", nameof(label));
            selected = Values.index_select(0, torch.tensor(rows, device: Values.device));
        }
        var perPosition = selected.dim() == 4 ? selected.sum(2) : selected;                          // (n, P, T)
        var mean = perPosition.to(ScalarType.Float64).mean(new long[] { 0 }).t().contiguous().cpu();  // (T, P)
        double[] flat = mean.data<double>().ToArray();
        int targets = (int)mean.shape[0], positions = (int)mean.shape[1];
        var map = new double[targets, positions];
        for (int t = 0; t < targets; t++)
            for (int p = 0; p < positions; p++) map[t, p] = flat[t * positions + p];
        return map;
    }

    /// <summary>
    /// What <c>saliency explain</c> writes: latent maps as they are, (N, L, T); input attributions reduced to one value per input cell by
    /// the L2 norm over the targets, (N, P, C), as CSDA defines its attribution. A new tensor; the caller disposes it.
    /// </summary>
    public Tensor PerInputCell() => Values.dim() == 4 ? Values.pow(2).sum(3).sqrt() : Values.alias();

    /// <summary>
    /// For a path method (<see cref="CompletenessError"/> set): per target, the largest |Σ attributions − (f(x) − f(baseline))| over
    /// the samples, the largest |f(x) − f(baseline)| (Σ attributions − error) and their ratio: completeness holds when the ratio is small.
    /// </summary>
    public IReadOnlyList<CompletenessRow> CompletenessByTarget()
    {
        if (CompletenessError is null) throw new InvalidOperationException($"{Method} is not a path method: it has no completeness error.");
        using var scope = torch.NewDisposeScope();
        var error = CompletenessError.to(ScalarType.Float64).cpu();                                     // (N, T)
        var total = Values.to(ScalarType.Float64).cpu();
        var sums = total.dim() == 4 ? total.sum(new long[] { 1, 2 }) : total.sum(1);                      // (N, T)
        double[] largestError = error.abs().amax(new long[] { 0 }).data<double>().ToArray();
        double[] largestChange = (sums - error).abs().amax(new long[] { 0 }).data<double>().ToArray();
        return TargetNames.Select((name, t) => new CompletenessRow(name, largestError[t], largestChange[t],
            largestChange[t] > 0 ? largestError[t] / largestChange[t] : double.NaN)).ToArray();
    }

    /// <summary>
    /// Per target, the largest |this − <paramref name="reference"/>| over every sample and position and the largest |reference|, for two
    /// attributions of one layout (e.g. CSDA against the autograd input gradient).
    /// </summary>
    public IReadOnlyList<AgreementRow> DifferenceFrom(Attribution reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (!Values.shape.SequenceEqual(reference.Values.shape))
            throw new ArgumentException($"{Method} is [{string.Join(", ", Values.shape)}] but {reference.Method} is [{string.Join(", ", reference.Values.shape)}]: compare attributions of one layout.", nameof(reference));
        using var scope = torch.NewDisposeScope();
        var mine = Values.to(ScalarType.Float64).cpu();
        var theirs = reference.Values.to(ScalarType.Float64).cpu();
        long targets = Values.shape[^1];
        double[] difference = (mine - theirs).abs().reshape(-1, targets).amax(new long[] { 0 }).data<double>().ToArray();
        double[] scale = theirs.abs().reshape(-1, targets).amax(new long[] { 0 }).data<double>().ToArray();
        return TargetNames.Select((name, t) => new AgreementRow(name, difference[t], scale[t], scale[t] > 0 ? difference[t] / scale[t] : double.NaN)).ToArray();
    }

    /// <summary>Moves the tensors to the dispose scope outside the current one (for an explainer that computed inside its own).</summary>
    internal Attribution MoveToOuterDisposeScope()
    {
        Values.MoveToOuterDisposeScope();
        CompletenessError?.MoveToOuterDisposeScope();
        return this;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Method} ({Settings}): [{string.Join(", ", Values.shape)}] {Layout} on {Device} in {Seconds:0.###} s";

    /// <inheritdoc/>
    public void Dispose()
    {
        Values.Dispose();
        CompletenessError?.Dispose();
    }
}

/// <summary>One target's completeness of a path method (<see cref="Attribution.CompletenessByTarget"/>).</summary>
/// <param name="Target">The target's name.</param>
/// <param name="MaxAbsError">Largest |Σ attributions − (f(x) − f(baseline))| over the samples.</param>
/// <param name="MaxAbsChange">Largest |f(x) − f(baseline)| over the samples.</param>
/// <param name="Relative"><paramref name="MaxAbsError"/> / <paramref name="MaxAbsChange"/>.</param>
public sealed record CompletenessRow(string Target, double MaxAbsError, double MaxAbsChange, double Relative);

/// <summary>One target's agreement of two attributions (<see cref="Attribution.DifferenceFrom"/>).</summary>
/// <param name="Target">The target's name.</param>
/// <param name="MaxAbsDifference">Largest |a − b| over every sample and position.</param>
/// <param name="MaxAbsReference">Largest |b|.</param>
/// <param name="Relative"><paramref name="MaxAbsDifference"/> / <paramref name="MaxAbsReference"/>.</param>
public sealed record AgreementRow(string Target, double MaxAbsDifference, double MaxAbsReference, double Relative);
