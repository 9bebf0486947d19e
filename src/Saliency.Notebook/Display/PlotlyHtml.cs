using System.Net;
using System.Text;
using Plotly.NET;

namespace Saliency.Notebook.Display;

/// <summary>
/// Turns Plotly charts and figures into HTML: chart bodies without plotly.js, notebook outputs that carry plotly.js
/// once per notebook session, and standalone pages that carry it once per page.
/// </summary>
public static class PlotlyHtml
{
    /// <summary>The plotly.js version that Plotly.NET 6.0.0 embeds and targets.</summary>
    public const string PlotlyJsVersion = "2.28.0";

    /// <summary>CDN address used by <see cref="PlotlyJsSource.Cdn"/>.</summary>
    public const string CdnUrl = "https://cdn.plot.ly/plotly-" + PlotlyJsVersion + ".min.js";

    private const string EmbeddedResourceName = "Plotly.NET.plotly-" + PlotlyJsVersion + ".min.js";

    private static readonly Lazy<string> InlineSource = new(ReadEmbeddedPlotlyJs);
    private static readonly object SessionGate = new();
    private static PlotlyJsSource _sessionSource = PlotlyJsSource.Inline;
    private static bool _sessionHasPlotlyJs;

    /// <summary>plotly.js itself (minified, about 3.6 MB), read from Plotly.NET.dll's embedded resource.</summary>
    public static string PlotlyJs => InlineSource.Value;

    /// <summary>Where the current notebook session takes plotly.js from.</summary>
    public static PlotlyJsSource SessionSource
    {
        get { lock (SessionGate) return _sessionSource; }
    }

    /// <summary>
    /// Starts a notebook session: the next notebook output that needs plotly.js carries it (inline or a CDN tag),
    /// later outputs reuse it. Called by <see cref="NotebookDisplay.Register"/>.
    /// </summary>
    public static void StartNotebookSession(PlotlyJsSource source)
    {
        lock (SessionGate)
        {
            _sessionSource = source;
            _sessionHasPlotlyJs = false;
        }
    }

    /// <summary>The script tag(s) that load plotly.js from <paramref name="source"/>.</summary>
    public static string ScriptTag(PlotlyJsSource source) => source switch
    {
        PlotlyJsSource.Inline => "<script type=\"text/javascript\">" + EscapeForScript(PlotlyJs) + "</script>",
        PlotlyJsSource.Cdn => $"<script src=\"{CdnUrl}\" charset=\"utf-8\"></script>",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "Unknown plotly.js source."),
    };

    /// <summary>
    /// A notebook output for <paramref name="figure"/>: its body, preceded by plotly.js when this is the first output
    /// of the session that needs it.
    /// </summary>
    public static string NotebookFragment(Figure figure)
    {
        string? script = null;
        lock (SessionGate)
        {
            if (!_sessionHasPlotlyJs)
            {
                script = ScriptTag(_sessionSource);
                _sessionHasPlotlyJs = true;
            }
        }
        return script == null ? figure.BodyHtml : script + "\n" + figure.BodyHtml;
    }

    /// <summary>A standalone HTML page with plotly.js loaded once in its head and every figure in order.</summary>
    public static string Page(string title, IEnumerable<Figure> figures, PlotlyJsSource source = PlotlyJsSource.Inline)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>")
            .Append(WebUtility.HtmlEncode(title))
            .Append("</title>\n<style>body{margin:8px;font-family:sans-serif;background:#fff}</style>\n")
            .Append(ScriptTag(source))
            .Append("\n</head>\n<body>\n");
        foreach (Figure figure in figures) html.Append(figure.BodyHtml).Append('\n');
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>
    /// The div and script that draw <paramref name="chart"/> with an already loaded plotly.js. When plotly.js is
    /// missing from the page the div says so instead of staying blank.
    /// </summary>
    public static string ChartBody(GenericChart chart, int width, int height)
    {
        string id = "saliency-plot-" + Guid.NewGuid().ToString("N");
        string figureJson = EscapeForScript(GenericChart.toFigureJson(chart));
        return $"<div id=\"{id}\" class=\"saliency-plot\" style=\"width:{width}px;height:{height}px\"></div>\n" +
               "<script type=\"text/javascript\">(function(){" +
               $"var el=document.getElementById('{id}');" +
               "if(typeof Plotly==='undefined'){el.textContent='plotly.js is not loaded in this page: re-run the cell that references Saliency.Notebook (it loads plotly.js once per session).';return;}" +
               $"var fig={figureJson};" +
               "Plotly.newPlot(el,fig.data,fig.layout,{responsive:true,displaylogo:false});" +
               "})();</script>";
    }

    /// <summary>The chart's layout width and height, or the figure defaults where the layout sets none.</summary>
    public static (int Width, int Height) LayoutSize(GenericChart chart)
    {
        var (width, height) = GenericChart.tryGetLayoutSize(chart);
        return (width?.Value ?? Figure.DefaultWidth, height?.Value ?? Figure.DefaultHeight);
    }

    /// <summary>The chart's layout title text, or null when it has none.</summary>
    public static string? Title(GenericChart chart)
    {
        object? title = GenericChart.getLayout(chart).TryGetTypedPropertyValue<object>("title")?.Value;
        return title switch
        {
            string text => text,
            IDictionary<string, object> attributes when attributes.TryGetValue("text", out object? text) => text as string,
            _ => null,
        };
    }

    /// <summary>Makes text safe inside a &lt;script&gt; element: no "&lt;/" can close it early.</summary>
    public static string EscapeForScript(string text) => text.Replace("</", "<\\/", StringComparison.Ordinal);

    private static string ReadEmbeddedPlotlyJs()
    {
        using Stream stream = typeof(GenericChart).Assembly.GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new InvalidOperationException($"Plotly.NET.dll has no embedded resource '{EmbeddedResourceName}': the Plotly.NET version does not match the kit's.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
