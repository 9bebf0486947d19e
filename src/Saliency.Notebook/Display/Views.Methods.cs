using System.Globalization;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.Plots;
using static Saliency.Notebook.Display.ViewData;

namespace Saliency.Notebook.Display;

/// <summary>Views of the related papers' methods: completeness of the path methods, agreement of two methods, and every method's global maps side by side.</summary>
public static partial class Views
{
    /// <summary>Opacity of the curves under the side-by-side maps, drawn from the few explained series only (the paper's .01/.05 suit thousands).</summary>
    private const double FewCurvesAlpha = 0.12;

    /// <summary>
    /// A path method's completeness (integrated gradients, Fourier IG): per target the largest |Σ attributions − (f(x) − f(x₀))|, the
    /// largest |f(x) − f(x₀)| it should add up to, and their ratio; the note gives the largest ratio.
    /// </summary>
    public static KitView Completeness(Attribution attribution)
    {
        ArgumentNullException.ThrowIfNull(attribution);
        IReadOnlyList<CompletenessRow> rows = attribution.CompletenessByTarget();
        var table = new HtmlTable(new[] { "target", "max |Σ attr − (f(x) − f(x₀))|", "max |f(x) − f(x₀)|", "relative" },
            rows.Select(r => (IReadOnlyList<object?>)new object?[] { r.Target, E(r.MaxAbsError), E(r.MaxAbsChange), E(r.Relative) }).ToList());
        CompletenessRow worst = rows.MaxBy(r => double.IsNaN(r.Relative) ? -1 : r.Relative)!;
        double overall = rows.Max(r => r.MaxAbsError) / rows.Max(r => r.MaxAbsChange);
        return new KitView($"Completeness of {attribution.Method}")
            .Note(string.Create(CultureInfo.InvariantCulture,
                $"Over {attribution.Count} samples and {rows.Count} targets the largest completeness error is {overall:P2} of the largest change of any target, and at most {worst.Relative:P2} of a target's own largest change (worst: {worst.Target}): the error of the quadrature ({attribution.Settings}) over a path with ReLU kinks."))
            .Add(table);
    }

    /// <summary>
    /// How far one attribution is from a reference of the same layout (e.g. CSDA from the autograd input gradient): per target the
    /// largest |difference| over every sample and position, the largest |reference| and their ratio; the note gives the largest ratio.
    /// </summary>
    public static KitView Agreement(Attribution attribution, Attribution reference)
    {
        ArgumentNullException.ThrowIfNull(attribution);
        ArgumentNullException.ThrowIfNull(reference);
        IReadOnlyList<AgreementRow> rows = attribution.DifferenceFrom(reference);
        var table = new HtmlTable(new[] { "target", $"max |{attribution.Method} − {reference.Method}|", $"max |{reference.Method}|", "relative" },
            rows.Select(r => (IReadOnlyList<object?>)new object?[] { r.Target, E(r.MaxAbsDifference), E(r.MaxAbsReference), E(r.Relative) }).ToList());
        double worst = rows.Max(r => double.IsNaN(r.Relative) ? 0 : r.Relative);
        return new KitView($"{attribution.Method} against {reference.Method}")
            .Note(string.Create(CultureInfo.InvariantCulture,
                $"Largest difference relative to the largest {reference.Method} value, over {attribution.Count} samples and {rows.Count} targets: {worst:0.##e+0}."))
            .Add(table);
    }

    /// <summary>
    /// Every method's global map of component <paramref name="component"/> (0 = PC1) side by side: one row per label, one column per
    /// method, each panel binned as step 5 (the label's explained curves in black underneath); a frequency-domain method's panel is
    /// its mean |projection| per rfft bin. Every panel is scaled to [0, 1] on its own, so compare where a panel is hot.
    /// </summary>
    public static KitView MethodMaps(MethodMapComparison comparison, TimeSeriesDataset data, int component = 0)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        ArgumentNullException.ThrowIfNull(data);
        IReadOnlyList<string> labels = comparison.Labels;
        IReadOnlyList<MethodGlobalMap> methods = comparison.Methods;
        BinnedGlobalMaps reference = methods.Select(m => m.Binned).FirstOrDefault(b => b != null)
            ?? throw new ArgumentException("At least one method over time steps is needed to draw the maps.", nameof(comparison));
        if (component < 0 || component >= reference.Maps.ComponentCount)
            throw new ArgumentOutOfRangeException(nameof(component), component, $"The maps have {reference.Maps.ComponentCount} components.");
        double hidden = new GlobalMapStyle().TransparentBelow;
        var frequencyBins = methods.Select(m => m.FrequencyProfiles is { } profiles ? ShownBins(profiles, component, hidden) : 0).ToArray();
        var panels = new MapPanel[labels.Count, methods.Count];
        for (int l = 0; l < labels.Count; l++)
            for (int m = 0; m < methods.Count; m++)
                panels[l, m] = methods[m].Binned is { } binned ? Panel(binned.Maps, binned.Maps.Map(labels[l], component)) : FrequencyPanel(methods[m].FrequencyProfiles!, l, component, frequencyBins[m]);
        bool series = reference.Variant == MapVariant.TimeSeries;
        (IReadOnlyList<IReadOnlyList<Polyline>> curves, _) = CurvesByLabel(reference.Variant, data, labels, DefaultMaxCurvesPerLabel);
        GlobalMapStyle style = Style(reference.Variant, data, FewCurvesAlpha) with
        {
            Title = $"{comparison.Dataset}: PC{component + 1} global maps of every method (rows labels, columns methods; {comparison.Samples} series)",
            SharedComponentScale = false,
            PanelWidth = series ? 230 : 190,
            PanelHeight = series ? 170 : 190,
        };
        var chart = Charts.MethodMapGrid(methods.Select(m => m.Method).ToArray(), labels, curves, panels, methods.Select(m => m.Axis == AttributionAxis.Frequency).ToArray(), style);
        return new KitView(null)
            .Note(string.Create(CultureInfo.InvariantCulture,
                $"Each method's sign-free maps towards every latent dimension projected on PC{component + 1} and binned as step 5 ({reference.GridSize} bins, sigma {F(reference.Sigma)}), each panel scaled to [0, 1]; {string.Join("; ", methods.Select((m, i) => (m, i)).Where(p => p.m.FrequencyProfiles is not null).Select(p => $"{p.m.Method} over rfft frequency bins 0 … {frequencyBins[p.i] - 1} of {p.m.FrequencyProfiles!.GetLength(2)} (each label's mean |projection| per bin; the higher bins stay below {hidden:0.##} of the peak)").DefaultIfEmpty("no method over frequency bins"))}. Projection and binning of all {methods.Count} methods: {comparison.Seconds:F2} s."))
            .Add(Figure.FromChart(chart, $"{comparison.Dataset}-method-maps-pc{component + 1}"));
    }

    /// <summary>
    /// How many of the lowest frequency bins to draw: up to the last bin that some label shows (≥ <paramref name="hidden"/> of its
    /// peak) and a few more, at least 8, so a profile held by the first bins (an offset: eog's DC bin) is not a one-pixel line.
    /// </summary>
    private static int ShownBins(double[,,] profiles, int component, double hidden)
    {
        int bins = profiles.GetLength(2);
        int last = Enumerable.Range(0, bins).LastOrDefault(f => Enumerable.Range(0, profiles.GetLength(0)).Any(l => profiles[l, component, f] >= hidden));
        return Math.Min(bins, Math.Max(8, last + 4));
    }

    /// <summary>A label's frequency profile as a one-row map over bins 0 … <paramref name="bins"/>−1.</summary>
    private static MapPanel FrequencyPanel(double[,,] profiles, int label, int component, int bins)
    {
        var map = new double[bins, 1];
        for (int f = 0; f < bins; f++) map[f, 0] = Math.Round(profiles[label, component, f], 4);
        return new MapPanel(map, -0.5, bins - 0.5, 0, 1);
    }

    /// <summary>A small or large number in scientific notation, 3 significant digits.</summary>
    private static string E(double value) => double.IsNaN(value) ? "undefined" : value.ToString("0.##e+0", CultureInfo.InvariantCulture);
}
