using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using Saliency.Notebook.Display;
using Saliency.Notebook.Interactive;
using Saliency.Notebook.Plots;
using Figure = Saliency.Notebook.Display.Figure;

namespace Saliency.Notebook.Tests.Display;

[Collection(NotebookSessionCollection.Name)]
public sealed class DisplayTests : IDisposable
{
    public void Dispose() => Formatter.ResetToDefault();

    /// <summary>A piece of plotly.js's own source: it occurs once per copy of plotly.js in a page.</summary>
    private static readonly string PlotlyJsMarker = PlotlyHtml.EscapeForScript(PlotlyHtml.PlotlyJs)[..400];

    private static int Count(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static PlotlyFigure SmallChart(string name) =>
        Charts.Lines(new[] { 1.0, 2, 3 }, new Dictionary<string, double[]> { [name] = new[] { 3.0, 1, 2 } }, name);

    [Fact]
    public void Plotly_js_is_the_npm_bundle_embedded_in_the_kit()
    {
        Assert.True(PlotlyHtml.PlotlyJs.Length > 4_000_000);
        Assert.Contains("plotly.js v" + PlotlyHtml.PlotlyJsVersion, PlotlyHtml.PlotlyJs[..200]);
    }

    [Fact]
    public void A_page_with_several_charts_carries_plotly_js_once_inline_and_never_with_the_cdn()
    {
        var figures = new[] { Figure.FromChart(SmallChart("a"), "a"), Figure.FromChart(SmallChart("b"), "b"), Figure.FromChart(SmallChart("c"), "c") };

        string inline = PlotlyHtml.Page("three charts", figures, PlotlyJsSource.Inline);
        string cdn = PlotlyHtml.Page("three charts", figures, PlotlyJsSource.Cdn);

        Assert.Equal(1, Count(inline, PlotlyJsMarker));
        Assert.Equal(3, Count(inline, "class=\"saliency-plot\""));
        Assert.Equal(0, Count(cdn, PlotlyJsMarker));
        Assert.Equal(1, Count(cdn, PlotlyHtml.CdnUrl));
        Assert.Equal(3, Count(cdn, "class=\"saliency-plot\""));
    }

    [Fact]
    public void A_notebook_session_sends_plotly_js_with_the_first_chart_only()
    {
        NotebookDisplay.Register();
        string first = SmallChart("a").ToDisplayString("text/html");
        string second = Figure.FromChart(SmallChart("b"), "b").ToDisplayString("text/html");
        NotebookDisplay.Register(PlotlyJsSource.Cdn);
        string third = SmallChart("c").ToDisplayString("text/html");
        string fourth = SmallChart("d").ToDisplayString("text/html");

        Assert.Equal(1, Count(first, PlotlyJsMarker));
        Assert.Equal(0, Count(second, PlotlyJsMarker));
        Assert.Contains("Plotly.newPlot(", second);
        Assert.Equal(1, Count(third, PlotlyHtml.CdnUrl));
        Assert.Equal(0, Count(third, PlotlyJsMarker));
        Assert.Equal(0, Count(fourth, PlotlyHtml.CdnUrl));
    }

    [Fact]
    public void Registered_formatters_render_a_data_frame_and_a_chart_as_html()
    {
        NotebookDisplay.Register();
        var frame = new DataFrame(new StringDataFrameColumn("label", new[] { "3", "6", "7" }), new DoubleDataFrameColumn("mean", new[] { 0.25, -0.5, 1.0 }));

        string table = frame.ToDisplayString("text/html");
        string chart = SmallChart("loss").ToDisplayString("text/html");
        string plain = frame.ToDisplayString("text/plain");

        Assert.StartsWith("<table class=\"saliency-table\"", table);
        Assert.Contains("<th style=\"border-bottom:1px solid #888;padding:2px 8px;text-align:right\">mean</th>", table);
        Assert.Contains(">-0.5</td>", table);
        Assert.Contains("3 rows &#215; 2 columns", table);
        Assert.Contains("Plotly.newPlot(", chart);
        Assert.Contains("\"type\":\"scatter\"", chart);
        Assert.Contains("mean", plain);
    }

    [Fact]
    public void Reset_formatters_no_longer_render_the_kit_html()
    {
        NotebookDisplay.Register();
        Formatter.ResetToDefault();
        var frame = new DataFrame(new Int32DataFrameColumn("n", new[] { 1 }));
        Assert.DoesNotContain("saliency-table", frame.ToDisplayString("text/html"));
    }

    [Fact]
    public void Html_registers_a_new_type_in_one_line()
    {
        NotebookDisplay.Html<Uri>(uri => $"<a href=\"{uri}\">link</a>", uri => "link to " + uri.Host);
        var uri = new Uri("https://example.org/x");
        Assert.Equal("<a href=\"https://example.org/x\">link</a>", uri.ToDisplayString("text/html"));
        Assert.Equal("link to example.org", uri.ToDisplayString("text/plain"));
    }

    [Fact]
    public void HtmlTable_limits_rows_and_says_so()
    {
        var frame = new DataFrame(new Int32DataFrameColumn("i", Enumerable.Range(0, 120)));
        HtmlTable table = HtmlTable.From(frame, maxRows: 10);
        Assert.Equal(10, table.Rows.Count);
        Assert.Equal("120 rows × 1 columns (first 10 shown)", table.Caption);
        Assert.Throws<ArgumentException>(() => new HtmlTable(new[] { "a", "b" }, new[] { new object?[] { 1 } }));
    }

    [Fact]
    public void HtmlTable_shows_labels_as_the_figures_do_and_keeps_the_data()
    {
        // The symbols' label is the literal \Omega; the sanity summaries key their numbers by it (\Omega.area).
        var frame = new DataFrame(new StringDataFrameColumn("label", ["(", "\\Omega", "C:\\data"]), new DoubleDataFrameColumn("\\Omega.area", [1, 2, 3]));
        HtmlTable table = HtmlTable.From(frame);

        Assert.Equal(new[] { "label", "Ω.area" }, table.ToString().Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(new[] { "Ω", "2" }, table.ToString().Split('\n')[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("<th style=\"border-bottom:1px solid #888;padding:2px 8px;text-align:right\">Ω.area</th>", table.ToHtml());
        Assert.Contains(">Ω</td>", table.ToHtml());
        Assert.Contains(">C:\\data</td>", table.ToHtml());          // not a Greek letter: left as it is
        Assert.Equal("\\Omega", table.Rows[1][0]);                  // the table's data keep the label
        Assert.Equal("\\Omega.area", table.Columns[1]);
    }

    [Fact]
    public void ProgressView_reports_the_last_step_and_draws_the_curves()
    {
        var progress = new ProgressView("Training", 3) { MinUpdateInterval = TimeSpan.FromHours(1) };
        var seen = new List<int>();
        progress.Changed += view => seen.Add(view.Completed);

        progress.Report(1, "loss", 3.0);
        progress.Report(2, "loss", 2.0);
        progress.Report(3, new Dictionary<string, double> { ["loss"] = 1.5, ["kl"] = 0.2 });

        Assert.Equal(new[] { 1, 3 }, seen); // the first report passes the throttle, the last always does
        Assert.Equal(new[] { 3.0, 2.0, 1.5 }, progress.Curves["loss"]);
        string html = progress.ToHtml();
        Assert.Contains("width:100.0%", html);
        Assert.Equal(2, Count(html, "<polyline"));
        Assert.StartsWith("Training: 3/3 (100%)", progress.ToString());
        Assert.Contains("loss 1.5", progress.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => progress.Report(4));
    }
}
