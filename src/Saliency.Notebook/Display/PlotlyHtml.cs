using System.Globalization;
using System.Net;
using System.Text;
using Saliency.Notebook.Plots;

namespace Saliency.Notebook.Display;

/// <summary>
/// Turns figures into HTML: figure bodies without plotly.js, notebook outputs that carry plotly.js once per notebook
/// session, and standalone pages that carry it once per page. Each figure body sits between
/// <see cref="FigureStartMarker"/> and <see cref="FigureEndMarker"/> comments, so a runner can export it from a
/// notebook's HTML output.
/// </summary>
public static class PlotlyHtml
{
    /// <summary>The plotly.js version embedded in the kit (npm package plotly.js-dist-min).</summary>
    public const string PlotlyJsVersion = "2.35.3";

    /// <summary>CDN address used by <see cref="PlotlyJsSource.Cdn"/>.</summary>
    public const string CdnUrl = "https://cdn.plot.ly/plotly-" + PlotlyJsVersion + ".min.js";

    /// <summary>Opening comment of a figure body: <c>&lt;!--saliency-figure name="..." width="W" height="H"--&gt;</c>.</summary>
    public const string FigureStartMarker = "<!--saliency-figure ";

    /// <summary>Closing comment of a figure body.</summary>
    public const string FigureEndMarker = "<!--/saliency-figure-->";

    /// <summary>The name of the shared plotly.js file that pages of <see cref="PlotlyJsSource.File"/> load from their own folder.</summary>
    public const string PlotlyJsFileName = "plotly.min.js";

    /// <summary>
    /// The class of a static image of a figure placed inside its plot div (<c>&lt;img class="saliency-static"&gt;</c>): viewers
    /// without JavaScript show it, and the figure's script replaces it once plotly.js draws.
    /// </summary>
    public const string StaticImageClass = "saliency-static";

    private const string EmbeddedResourceName = "Saliency.Notebook.plotly.min.js";

    private static readonly Lazy<string> InlineSource = new(ReadEmbeddedPlotlyJs);
    private static readonly object SessionGate = new();
    private static PlotlyJsSource _sessionSource = PlotlyJsSource.Inline;
    private static bool _sessionHasPlotlyJs;

    /// <summary>plotly.js itself (minified, about 4.5 MB), embedded in the kit assembly at build time.</summary>
    public static string PlotlyJs => InlineSource.Value;

    /// <summary>Where the current notebook session takes plotly.js from.</summary>
    public static PlotlyJsSource SessionSource
    {
        get { lock (SessionGate) return _sessionSource; }
    }

    /// <summary>
    /// Starts a notebook session: the next notebook output that needs plotly.js carries it (inline or a CDN tag),
    /// later outputs reuse it. Called by the kernel adapter's <c>NotebookDisplay.Register</c>.
    /// </summary>
    public static void StartNotebookSession(PlotlyJsSource source)
    {
        lock (SessionGate)
        {
            _sessionSource = source;
            _sessionHasPlotlyJs = false;
        }
    }

    /// <summary>
    /// The script tag that loads plotly.js from <paramref name="source"/>. The inline copy hides an AMD loader
    /// (classic Jupyter's require.js) so plotly.js always sets <c>window.Plotly</c>.
    /// </summary>
    public static string ScriptTag(PlotlyJsSource source) => source switch
    {
        PlotlyJsSource.Inline => "<script type=\"text/javascript\">(function(define,module,exports){" + EscapeForScript(PlotlyJs) + "\n}).call(window);</script>",
        PlotlyJsSource.Cdn => $"<script src=\"{CdnUrl}\" charset=\"utf-8\"></script>",
        PlotlyJsSource.File => $"<script src=\"{PlotlyJsFileName}\" charset=\"utf-8\"></script>",
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
    public static string Page(string title, IEnumerable<Figure> figures, PlotlyJsSource source = PlotlyJsSource.Inline) =>
        Page(title, figures.Select(figure => figure.BodyHtml), source);

    /// <summary>A standalone HTML page with plotly.js loaded once in its head and the given figure bodies in order.</summary>
    public static string Page(string title, IEnumerable<string> figureBodies, PlotlyJsSource source = PlotlyJsSource.Inline)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>")
            .Append(WebUtility.HtmlEncode(title))
            .Append("</title>\n<style>body{margin:8px;font-family:sans-serif;background:#fff}</style>\n")
            .Append(ScriptTag(source))
            .Append("\n</head>\n<body>\n");
        foreach (string body in figureBodies) html.Append(body).Append('\n');
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Wraps a figure body between the export markers, carrying its name and size.</summary>
    public static string Marked(string name, int width, int height, string body) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{FigureStartMarker}name=\"{WebUtility.HtmlEncode(name)}\" width=\"{width}\" height=\"{height}\"-->\n{body}\n{FigureEndMarker}");

    /// <summary>
    /// The div and script that draw <paramref name="figure"/> with plotly.js (no mode bar: the figures are meant for reading
    /// and for papers). plotly.js loaded from a script tag may arrive after the figure's script runs (a front end that loads
    /// <c>&lt;script src&gt;</c> asynchronously), so the script waits for it up to 20 s; then, without plotly.js, the div keeps
    /// its static image (<see cref="StaticImageClass"/>) when it has one, and says why it is blank when it has none.
    /// </summary>
    public static string FigureBody(PlotlyFigure figure, int width, int height)
    {
        string id = "saliency-plot-" + Guid.NewGuid().ToString("N");
        string figureJson = EscapeForScript(figure.ToJson());
        return $"<div id=\"{id}\" class=\"saliency-plot\" style=\"width:{width}px;height:{height}px\"></div>\n" +
               "<script type=\"text/javascript\">(function(){" +
               $"var el=document.getElementById('{id}'),tries=0;" +
               "function draw(){if(typeof Plotly==='undefined'){if(++tries<200){setTimeout(draw,100);return;}" +
               $"if(!el.querySelector('img.{StaticImageClass}'))el.textContent='plotly.js is not loaded in this page: re-run the cell that references Saliency.Notebook (it loads plotly.js once per session).';return;}}" +
               $"el.innerHTML='';var fig={figureJson};" +
               "Plotly.newPlot(el,fig.data,fig.layout,{displayModeBar:false,displaylogo:false});}" +
               "draw();})();</script>";
    }

    /// <summary>Makes text safe inside a &lt;script&gt; element: no "&lt;/" can close it early.</summary>
    public static string EscapeForScript(string text) => text.Replace("</", "<\\/", StringComparison.Ordinal);

    private static string ReadEmbeddedPlotlyJs()
    {
        using Stream stream = typeof(PlotlyHtml).Assembly.GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new InvalidOperationException($"The kit assembly has no embedded resource '{EmbeddedResourceName}': it was built without plotly.js (see Saliency.Notebook.csproj, target FetchPlotlyJs).");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
