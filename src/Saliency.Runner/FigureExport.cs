using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Saliency.Notebook.Display;
using Saliency.Notebook.IO;

namespace Saliency.Runner;

/// <summary>A figure written as a standalone HTML page.</summary>
public sealed record ExportedFigure(string HtmlPath, string Name, int Width, int Height);

/// <summary>
/// Finds the kit's figures in a notebook's HTML outputs (the bodies between <see cref="PlotlyHtml.FigureStartMarker"/>
/// and <see cref="PlotlyHtml.FigureEndMarker"/>) and writes each as a standalone page with plotly.js inlined.
/// </summary>
public static partial class FigureExport
{
    /// <summary>The marked figures of one HTML output: name, size and body.</summary>
    public static IReadOnlyList<(string Name, int Width, int Height, string Body)> Find(string html) =>
        Marked().Matches(html).Select(match => (
            WebUtility.HtmlDecode(match.Groups["name"].Value),
            int.Parse(match.Groups["width"].Value),
            int.Parse(match.Groups["height"].Value),
            match.Groups["body"].Value)).ToList();

    /// <summary>How the file names of <paramref name="notebookName"/>'s figures begin (<c>&lt;notebook&gt;-cell</c>).</summary>
    public static string FilePrefix(string notebookName) => notebookName + "-cell";

    /// <summary>
    /// Writes every figure of the executed notebook's cells as
    /// <c>&lt;notebook&gt;-cell&lt;NN&gt;-&lt;k&gt;-&lt;name&gt;.html</c> under <paramref name="directory"/>.
    /// </summary>
    public static IReadOnlyList<ExportedFigure> Write(NotebookDocument notebook, string directory, string notebookName)
    {
        var exported = new List<ExportedFigure>();
        for (int index = 0; index < notebook.Cells.Count; index++)
        {
            if (notebook.Cells[index] is not JsonObject cell || cell["outputs"] is not JsonArray outputs) continue;
            int k = 0;
            foreach (JsonNode? output in outputs)
            {
                if (output?["data"]?["text/html"] is not JsonNode html) continue;
                string text = html is JsonArray lines ? string.Concat(lines.Select(line => line?.GetValue<string>())) : html.GetValue<string>();
                foreach ((string name, int width, int height, string body) in Find(text))
                {
                    k++;
                    string path = Path.GetFullPath(Path.Combine(directory, $"{FilePrefix(notebookName)}{index + 1:D2}-{k}-{Slug(name)}.html"));
                    AtomicFile.WriteAllText(path, PlotlyHtml.Page(name, new[] { body }));
                    exported.Add(new ExportedFigure(path, name, width, height));
                }
            }
        }
        return exported;
    }

    private static string Slug(string name) => Regex.Replace(name.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-') is { Length: > 0 } slug ? slug : "figure";

    [GeneratedRegex(@"<!--saliency-figure name=""(?<name>[^""]*)"" width=""(?<width>\d+)"" height=""(?<height>\d+)""-->\n(?<body>.*?)\n<!--/saliency-figure-->", RegexOptions.Singleline)]
    private static partial Regex Marked();
}
