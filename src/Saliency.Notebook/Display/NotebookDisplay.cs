using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;

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
    }

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
