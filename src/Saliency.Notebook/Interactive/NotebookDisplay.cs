using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Display;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using Saliency.Notebook.Native;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.Plots;
using Saliency.Notebook.SanityChecks;

namespace Saliency.Notebook.Interactive;

/// <summary>
/// Registers how the kit's objects look in a notebook (.NET Interactive or the headless runner): one <c>text/html</c> and one
/// <c>text/plain</c> formatter per type, each calling the views of <c>Display</c>. Part of the kernel adapter (this room), with
/// <see cref="NotebookKernel"/>; the kit's extension.dib calls <see cref="Register"/>.
/// </summary>
public static class NotebookDisplay
{
    /// <summary>
    /// Registers the kit's formatters and starts a plotly.js session (plotly.js goes into the first output that
    /// draws a chart). A new kit type needs one line here: <c>Html&lt;MyType&gt;(value =&gt; value.ToHtml());</c>.
    /// </summary>
    public static void Register(PlotlyJsSource plotlyJs = PlotlyJsSource.Inline)
    {
        PlotlyHtml.StartNotebookSession(plotlyJs);
        Html<PlotlyFigure>(chart => PlotlyHtml.NotebookFragment(Figure.FromChart(chart, chart.Title ?? "chart")));
        Html<Figure>(PlotlyHtml.NotebookFragment);
        Html<DataFrame>(frame => HtmlTable.From(frame).ToHtml(), frame => HtmlTable.From(frame).ToString());
        Html<HtmlTable>(table => table.ToHtml());
        Html<ProgressView>(progress => progress.ToHtml());
        Html<KitView>(view => view.ToHtml());
        Html<TimeSeriesDataset>(data => Views.Dataset(data).ToHtml(), data => $"{data.Info.Name}: X (N, C, L) = ({data.N}, {data.C}, {data.L})\n{HtmlTable.From(data.Summary())}");
        Html<LoadedModel>(model => Views.Model(model).ToHtml(), model => Views.Model(model).ToString());
        Html<ModelCard>(card => Views.ModelCard(card).ToHtml(), card => Views.ModelCard(card).ToString());
        Html<GlobalSaliencyResult>(result => GlobalSaliencyView(result).ToHtml(),
            result => $"Global saliency of {result.Dataset}: {result.Variant} maps, {result.Maps.Labels.Count} labels × {result.Maps.ComponentCount} components, GradCAM on {result.Device}");
        Html<PosteriorMeans>(means => Views.PosteriorMeans(means).ToHtml(), means => Views.PosteriorMeans(means).ToString());
        Html<Attribution>(attribution => Views.Attribution(attribution).ToHtml(), attribution => attribution.ToString());
        Html<LatentPcaFit>(pca => Views.LatentSpace(pca).ToHtml(), pca => Views.LatentSpace(pca).ToString());
        Html<ProjectedGradCam>(projections => ProjectionView(projections).ToHtml(), projections => ProjectionView(projections).ToString());
        Html<BinnedGlobalMaps>(maps => Views.GlobalMaps(maps).ToHtml(), maps => Views.GlobalMaps(maps).ToString());
        Html<CombinedGlobalMaps>(combined => Views.CombinedMaps(combined).ToHtml(), combined => Views.CombinedMaps(combined).ToString());
        Html<TorchReport>(report => TorchView(report).ToHtml(), report => TorchView(report).ToString());
        Html<SanityCheckResult>(result => Views.SanityCheck(result).ToHtml(), result => Views.SanityCheck(result).ToString());
    }

    /// <summary>A pipeline result on its own (no dataset at hand): the latent PCA, the map grid and the combined maps, without curves.</summary>
    private static KitView GlobalSaliencyView(GlobalSaliencyResult result) =>
        new KitView($"Global saliency of {result.Dataset}").Row(Views.LatentSpace(result)).Row(Views.GlobalMaps(result)).Row(Views.CombinedMaps(result));

    /// <summary>Projections on their own (no dataset to draw a sample): their shape and time.</summary>
    private static KitView ProjectionView(ProjectedGradCam projections) =>
        new KitView("Step 4 · GradCAM projected on the principal directions").Note(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{projections.Dataset}: projections (N, L, K) = ({string.Join(", ", projections.Values.shape)}) in {projections.Seconds:F3} s; Views.Projection(projections, dataset, sample) draws one sample."));

    /// <summary>Which TorchSharp and libtorch the kernel loaded, from which files, and whether CUDA is usable.</summary>
    private static KitView TorchView(TorchReport report)
    {
        var rows = new List<IReadOnlyList<object?>>
        {
            new object?[] { "works", report.Works ? "yes" : "no: " + report.Failure },
            new object?[] { "TorchSharp", report.TorchSharpVersion },
            new object?[] { "libtorch", report.LibTorchVersion },
            new object?[] { "device", report.Device },
            new object?[] { "CUDA usable", report.CudaAvailable ? "yes" : "no" },
            new object?[] { "CPU threads", report.Threads },
        };
        rows.AddRange(report.NativeLibraries.Select(path => (IReadOnlyList<object?>)new object?[] { "native library", path }));
        return new KitView("Torch runtime").Add(new HtmlTable(new[] { "", "" }, rows));
    }

    /// <summary>
    /// Registers <paramref name="toHtml"/> as <typeparamref name="T"/>'s <c>text/html</c> formatter and
    /// <paramref name="toText"/> (default: <c>ToString()</c>) as its <c>text/plain</c> one.
    /// </summary>
    public static void Html<T>(Func<T, string> toHtml, Func<T, string>? toText = null)
    {
        Formatter.Register<T>(toHtml, "text/html");
        Formatter.Register<T>(toText ?? (value => value?.ToString() ?? ""), "text/plain");
        // The kernel sends only a type's preferred MIME types: both, so a Jupyter client keeps a text fallback.
        Formatter.SetPreferredMimeTypesFor(typeof(T), "text/html", "text/plain");
    }
}
