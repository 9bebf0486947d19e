using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Saliency.Notebook.Display;

namespace Saliency.Runner;

/// <summary>
/// Makes an executed notebook readable where no JavaScript runs (GitHub, nbviewer, nbconvert without scripts) and light enough
/// to commit: every figure's div gets its exported image as an <c>&lt;img class="saliency-static"&gt;</c> (WebP; the figure's
/// script replaces it once plotly.js draws), and the 4.5 MB of plotly.js inlined once per notebook become one script tag to the
/// plotly CDN (plotly.js then loads when the notebook is viewed online; offline, the images show). The image lives in the HTML,
/// the representation every viewer that draws figures picks (nbconvert, nbviewer, GitHub, VS Code, JupyterLab); a second copy
/// as its own MIME entry would never be shown by them and would double the images' weight.
/// </summary>
public static partial class StaticFallback
{
    /// <summary>
    /// Adds the images of <paramref name="notebookName"/>'s figures (1× WebPs keyed by their <see cref="FigureFiles.FileName"/>) to
    /// the figure outputs of <paramref name="notebook"/>, as <see cref="FigureExport.Write"/> numbers them, and swaps inline
    /// plotly.js for the CDN tag. Returns how many figures got an image.
    /// </summary>
    public static int Embed(NotebookDocument notebook, string notebookName, IReadOnlyDictionary<string, byte[]> webpByFileName)
    {
        string inline = PlotlyHtml.ScriptTag(PlotlyJsSource.Inline), cdn = PlotlyHtml.ScriptTag(PlotlyJsSource.Cdn);
        int embedded = 0;
        for (int index = 0; index < notebook.Cells.Count; index++)
        {
            if (notebook.Cells[index] is not JsonObject cell || cell["outputs"] is not JsonArray outputs) continue;
            int k = 0;
            foreach (JsonNode? output in outputs)
            {
                if (output?["data"] is not JsonObject data || data["text/html"] is not JsonNode htmlNode) continue;
                string html = htmlNode is JsonArray lines ? string.Concat(lines.Select(line => line?.GetValue<string>())) : htmlNode.GetValue<string>();
                var figures = FigureFiles.Find(html);
                foreach ((string name, _, _, string body) in figures)
                {
                    k++;
                    if (!webpByFileName.TryGetValue(FigureFiles.FileName(notebookName, index + 1, k, name), out byte[]? webp)) continue;
                    string image = $"<img class=\"{PlotlyHtml.StaticImageClass}\" alt=\"{System.Net.WebUtility.HtmlEncode(name)}\" src=\"data:image/webp;base64,{Convert.ToBase64String(webp)}\">";
                    html = html.Replace(body, FigureDiv().Replace(body, match => match.Value + image, 1), StringComparison.Ordinal);
                    embedded++;
                }
                html = html.Replace(inline, cdn, StringComparison.Ordinal);
                data["text/html"] = html;
            }
        }
        return embedded;
    }

    /// <summary>The opening tag of the element a figure draws into: a plot's div, or the brushing tool's.</summary>
    [GeneratedRegex(@"<div id=""saliency-[a-z]+-[0-9a-f]{32}"" class=""saliency-(?:plot|brushing)""[^>]*>")]
    private static partial Regex FigureDiv();
}
