using System.Globalization;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.Plots;
using TorchSharp;
using static TorchSharp.torch;
using static Saliency.Notebook.Display.ViewData;

namespace Saliency.Notebook.Display;

/// <summary>Views of the method's steps one by one (<see cref="GlobalSaliencySteps"/>): what each step computed, where, in how long.</summary>
public static partial class Views
{
    /// <summary>
    /// Step 1: the posterior means' size, device and time, and the spread of each latent dimension over the samples.
    /// A <paramref name="title"/> (e.g. the model's name when two are compared) also names the figure.
    /// </summary>
    public static KitView PosteriorMeans(PosteriorMeans means, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(means);
        double[] spread = means.Spread();
        string[] names = Enumerable.Range(0, means.LatentDim).Select(d => $"z{d}").ToArray();
        var chart = Charts.Bars(names, spread, $"{means.Dataset}: spread of each latent dimension{Of(title)}", "std over the samples",
            width: Math.Clamp(24 * names.Length + 160, 560, 1000), height: 320, colour: "#4c72b0", xTitle: "latent dimension");
        int idle = spread.Count(s => s < 0.01 * spread.Max());
        return new KitView(title ?? "Step 1 · posterior means")
            .Add(FactTable(new (string, object?)[]
            {
                ("samples N", means.Count), ("latent size D", means.LatentDim), ("device", means.Device),
                ("seconds", Math.Round(means.Seconds, 3)),
                ("dimensions with < 1 % of the largest spread", idle),
            }))
            .Add(Figure.FromChart(chart, $"{means.Dataset}-latent-spread{Suffix(title)}"));
    }

    /// <summary>
    /// Any explainer's <see cref="Explainers.Attribution"/> (step 2 is GradCAM's): what ran (method, settings, layer, route, device,
    /// time), one sample's map towards every target and the mean map over all samples, both targets × position (input
    /// attributions summed over channels; Fourier IG over frequency bins). Without <paramref name="data"/> only the mean map is drawn.
    /// A <paramref name="title"/> also names the figures.
    /// </summary>
    public static KitView Attribution(Attribution attribution, TimeSeriesDataset? data = null, int sample = 0, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(attribution);
        var shape = attribution.Values.shape;
        int n = (int)shape[0], positions = (int)shape[1], targets = (int)shape[^1];
        if (sample < 0 || sample >= n) throw new ArgumentOutOfRangeException(nameof(sample), sample, $"The attribution holds {n} samples.");
        using var scope = NewDisposeScope();                                   // the indexed and converted tensors below
        bool cam = attribution.Layer is not null;
        string what = cam && attribution.Method == "gradcam" ? "|GradCAM|" : attribution.Method;
        string axis = attribution.Axis == AttributionAxis.Frequency ? "frequency bin" : "time step";
        string name = attribution.Dataset ?? "data";
        string[] rows = attribution.TargetNames.ToArray();
        int height = Math.Clamp(18 * targets + 120, 300, 900);
        var facts = new List<(string, object?)> { ("method", attribution.Method), ("settings", attribution.Settings) };
        if (attribution.Route is { } route) facts.Add(("path", route));
        facts.Add(("device", attribution.Device));
        facts.Add(($"values ({attribution.Layout})", $"({string.Join(", ", shape)})"));
        facts.Add(("seconds", Math.Round(attribution.Seconds, 3)));
        double rate = n / Math.Max(attribution.Seconds, 1e-9);
        facts.Add(("samples per second", Math.Round(rate, rate < 10 ? 2 : 0)));             // the slow methods (IG, CSDA) explain a few per second
        if (attribution.CompletenessError is { } error)
            facts.Add(("largest |completeness error|", ToArray(error.abs().max().unsqueeze(0))[0].ToString("0.###e+0", CultureInfo.InvariantCulture)));
        var view = new KitView(title ?? (attribution.Method == "gradcam" ? "Step 2 · |GradCAM| towards every latent dimension" : $"{attribution.Method} towards the latent targets"))
            .Add(FactTable(facts.ToArray()));
        string slug = attribution.Method == "gradcam" ? "gradcam" : attribution.Method;
        if (data != null)
        {
            var one = attribution.Values[sample];                              // (P, T) or (P, C, T)
            if (one.dim() == 3) one = one.sum(1);
            double[] flat = ToArray(one);
            var perTarget = new double[targets, positions];
            for (int p = 0; p < positions; p++)
                for (int t = 0; t < targets; t++) perTarget[t, p] = flat[p * targets + t];
            string label = attribution.Labels is { } labels ? $" (label {labels[sample]})" : "";
            view.Add(Figure.FromChart(Charts.Heatmap(perTarget, $"{name} sample {sample}{label}: {what} towards each target{Of(title)}",
                axis, "latent target", rows, height: height), $"{name}-sample-{sample}-{slug}-per-dimension{Suffix(title)}"));
        }
        return view.Add(Figure.FromChart(Charts.Heatmap(attribution.MeanMap(), $"{name}: mean {what} over all {n} samples{Of(title)}", axis, "latent target", rows, height: height),
            $"{name}-mean-{slug}-per-dimension{Suffix(title)}"));
    }

    /// <summary>
    /// Step 3: the explained variance of each component and PC1 against PC2 of every sample, coloured by label. A
    /// <paramref name="title"/> (e.g. the model's name when two are compared) heads the chart.
    /// </summary>
    public static KitView LatentSpace(LatentPcaFit pca, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(pca);
        string fitted = pca.FittedWithout == null ? "" : $"<br>fitted without {pca.FittedWithout}";
        var view = new KitView(title == null ? "Step 3 · PCA of the posterior means" : null)
            .Add(HtmlTable.From(pca.ExplainedVariance()));
        if (pca.Pca.ComponentCount < 2) return view.Note("One component: no scatter to draw.");
        var chart = Charts.LatentPca(Rows(pca.Scores), pca.Labels, pca.Pca.ExplainedVarianceRatio,
            $"{pca.Dataset}: {title ?? "PCA of the posterior means"}{fitted}", width: 620, height: 520);
        string name = pca.FittedWithout == null ? pca.Dataset : $"{pca.Dataset}-without-{Slug(pca.FittedWithout)}";
        return view
            .Note(string.Create(CultureInfo.InvariantCulture,
                $"Explained variance ratio: {string.Join(", ", pca.Pca.ExplainedVarianceRatio.Select((r, k) => $"PC{k + 1} {r:P1}"))} (PCA fitted on {pca.Pca.SampleCount} samples)."))
            .Add(Figure.FromChart(chart, $"{name}-latent-pca"));
    }

    /// <summary>
    /// Step 4: one sample drawn once per component, each step coloured by |projection of its GradCAM on the component|.
    /// A <paramref name="title"/> also names the figures.
    /// </summary>
    public static KitView Projection(ProjectedGradCam projections, TimeSeriesDataset data, int sample = 0, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(projections);
        ArgumentNullException.ThrowIfNull(data);
        if (sample < 0 || sample >= data.N) throw new ArgumentOutOfRangeException(nameof(sample), sample, $"The dataset has {data.N} samples.");
        using var scope = NewDisposeScope();                                   // the indexed and converted tensors below
        var view = new KitView(title ?? "Step 4 · GradCAM projected on the principal directions")
            .Note(string.Create(CultureInfo.InvariantCulture,
                $"Projections (N, L, K) = ({data.N}, {data.L}, {projections.ComponentCount}) in {projections.Seconds:F3} s; shown: |projection| of sample {sample} (label {data.Labels[sample]}), one colour range for every component, so their strengths compare."));
        var panels = new List<KitView>();
        var weights = Enumerable.Range(0, projections.ComponentCount).Select(k => ToArray(projections.Values[sample, TensorIndex.Colon, k].abs())).ToArray();
        double[] all = weights.SelectMany(w => w).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        (double, double) colourRange = (0, Math.Max(all.Max(), double.Epsilon));
        for (int k = 0; k < projections.ComponentCount; k++)
        {
            double[] weight = weights[k];
            string chartTitle = $"{data.Info.Name} sample {sample}: |PC{k + 1} projection|{Of(title)}";
            var chart = data.Info.PlotKind == PlotKind.TimeSeries
                ? Charts.SampleSaliency(Series(data.X[sample].unsqueeze(0), 0)[0], weight, chartTitle, width: 560, height: 320, valueTitle: data.Info.YAxisTitle,
                    colourRange: colourRange)
                : Charts.SampleSaliency(Trajectories(data.Info, data.X[sample].unsqueeze(0))[0], weight, chartTitle, data.Info.InvertYAxis, width: 460, height: 420,
                    xTitle: data.Info.XAxisTitle, yTitle: data.Info.YAxisTitle, colourRange: colourRange, frame: Frame(data.Info));
            panels.Add(new KitView(null).Add(Figure.FromChart(chart, $"{data.Info.Name}-sample-{sample}-pc{k + 1}-projection{Suffix(title)}")));
        }
        return view.Row(panels.ToArray());
    }

    /// <summary>
    /// The run's steps with their seconds and device, as a table and a bar chart: where the time of the method goes.
    /// A <paramref name="title"/> (e.g. the model's name when two are compared) heads the view and names the figure.
    /// </summary>
    public static KitView Timings(GlobalSaliencyResult result, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        PipelineTimings t = result.Timings;
        var steps = new (string Name, double Seconds)[]
        {
            ("1 posterior means", t.EncodeSeconds), ("2 |GradCAM|", t.GradCamSeconds), ("3 PCA", t.PcaSeconds),
            ("4 projection", t.ProjectionSeconds), ("5 binned maps", t.MapsSeconds),
        };
        var table = new HtmlTable(new[] { "step", "seconds" },
            steps.Select(s => (IReadOnlyList<object?>)new object?[] { s.Name, Math.Round(s.Seconds, 3) }).Append(new object?[] { "total", Math.Round(t.TotalSeconds, 3) }).ToList());
        var chart = Charts.Bars(steps.Select(s => s.Name).ToArray(), steps.Select(s => s.Seconds).ToArray(),
            $"{result.Dataset}: seconds per step (GradCAM on {result.Device}){Of(title)}", "seconds", width: 620, height: 320, colour: "#4c72b0", xTitle: "step of the method");
        return new KitView(title ?? $"The run: {result.Labels.Count} samples, {result.Latents.shape[1]} latent dimensions, {result.Pca.ComponentCount} components")
            .Add(table)
            .Add(Figure.FromChart(chart, $"{result.Dataset}-step-seconds{Suffix(title)}"));
    }

    /// <summary>The title on a second line of a chart title (plotly's &lt;br&gt;), or nothing without a title.</summary>
    private static string Of(string? title) => title == null ? "" : "<br>" + title;

    /// <summary>"-" and the title as a figure-name part, or nothing without a title.</summary>
    private static string Suffix(string? title) => title == null ? "" : "-" + Slug(title);
}
