using System.Globalization;
using Saliency.Notebook.Data.Datasets;
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
            width: Math.Clamp(24 * names.Length + 160, 560, 1000), height: 320, colour: "#4c72b0");
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
    /// Step 2: where |GradCAM| ran (layer, device, time), one sample's map towards every latent dimension and the mean map over
    /// all samples, both dimensions × time. Without <paramref name="data"/> only the mean map is drawn. A <paramref name="title"/>
    /// also names the figures.
    /// </summary>
    public static KitView GradCam(LatentGradCam gradCam, TimeSeriesDataset? data = null, int sample = 0, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(gradCam);
        int n = (int)gradCam.Values.shape[0], length = (int)gradCam.Values.shape[1], dims = (int)gradCam.Values.shape[2];
        if (sample < 0 || sample >= n) throw new ArgumentOutOfRangeException(nameof(sample), sample, $"The GradCAM holds {n} samples.");
        using var scope = NewDisposeScope();                                   // the indexed and converted tensors below
        string[] rows = Enumerable.Range(0, dims).Select(d => $"z{d}").ToArray();
        int height = Math.Clamp(18 * dims + 120, 300, 900);
        var view = new KitView(title ?? "Step 2 · |GradCAM| towards every latent dimension")
            .Add(FactTable(new (string, object?)[]
            {
                ("layer", gradCam.Layer), ("path", gradCam.Path), ("device", gradCam.Device), ("maps (N, L, D)", $"({n}, {length}, {dims})"),
                ("seconds", Math.Round(gradCam.Seconds, 3)),
                ("samples per second", Math.Round(n / Math.Max(gradCam.Seconds, 1e-9))),
            }));
        if (data != null)
        {
            double[] flat = ToArray(gradCam.Values[sample]);                     // (L, D)
            var perDimension = new double[dims, length];
            for (int t = 0; t < length; t++)
                for (int d = 0; d < dims; d++) perDimension[d, t] = flat[t * dims + d];
            view.Add(Figure.FromChart(Charts.Heatmap(perDimension, $"{gradCam.Dataset} sample {sample} (label {gradCam.Labels[sample]}): |GradCAM| towards each latent dimension{Of(title)}",
                "time step", "latent dimension", rows, height: height), $"{gradCam.Dataset}-sample-{sample}-gradcam-per-dimension{Suffix(title)}"));
        }
        return view.Add(Figure.FromChart(Charts.Heatmap(gradCam.MeanMap(), $"{gradCam.Dataset}: mean |GradCAM| over all {n} samples{Of(title)}", "time step", "latent dimension", rows, height: height),
            $"{gradCam.Dataset}-mean-gradcam-per-dimension{Suffix(title)}"));
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
                : Charts.SampleSaliency(Trajectories(data.X[sample].unsqueeze(0))[0], weight, chartTitle, data.Info.InvertYAxis, width: 460, height: 420,
                    xTitle: data.Info.XAxisTitle, yTitle: data.Info.YAxisTitle, colourRange: colourRange);
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
            $"{result.Dataset}: seconds per step (GradCAM on {result.Device}){Of(title)}", "seconds", width: 620, height: 320, colour: "#4c72b0");
        return new KitView(title ?? $"The run: {result.Labels.Count} samples, {result.Latents.shape[1]} latent dimensions, {result.Pca.ComponentCount} components")
            .Add(table)
            .Add(Figure.FromChart(chart, $"{result.Dataset}-step-seconds{Suffix(title)}"));
    }

    /// <summary>The title on a second line of a chart title (plotly's &lt;br&gt;), or nothing without a title.</summary>
    private static string Of(string? title) => title == null ? "" : "<br>" + title;

    /// <summary>"-" and the title as a figure-name part, or nothing without a title.</summary>
    private static string Suffix(string? title) => title == null ? "" : "-" + Slug(title);
}
