using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.SanityChecks;

namespace Saliency.Notebook.Display;

/// <summary>
/// Registers how the kit's objects look in a notebook (.NET Interactive or the headless runner): one
/// <c>text/html</c> and one <c>text/plain</c> formatter per type. The kit's extension.dib calls <see cref="Register"/>.
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
        Html<GenericChart>(chart => PlotlyHtml.NotebookFragment(Figure.FromChart(chart, "chart")),
            chart => $"Plotly chart ({GenericChart.countTrace(chart)} traces)");
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
        Html<SanityCheckResult>(result => Views.SanityCheck(result).ToHtml(), result => Views.SanityCheck(result).ToString());
    }

    /// <summary>A pipeline result on its own (no dataset at hand): the latent PCA, the map grid and the combined maps, without curves.</summary>
    private static KitView GlobalSaliencyView(GlobalSaliencyResult result) =>
        new KitView($"Global saliency of {result.Dataset}").Row(Views.LatentSpace(result)).Row(Views.GlobalMaps(result)).Row(Views.CombinedMaps(result));

    /// <summary>
    /// Registers <paramref name="toHtml"/> as <typeparamref name="T"/>'s <c>text/html</c> formatter and
    /// <paramref name="toText"/> (default: <c>ToString()</c>) as its <c>text/plain</c> one.
    /// </summary>
    public static void Html<T>(Func<T, string> toHtml, Func<T, string>? toText = null)
    {
        Formatter.Register<T>(toHtml, "text/html");
        Formatter.Register<T>(toText ?? (value => value?.ToString() ?? ""), "text/plain");
    }
}
