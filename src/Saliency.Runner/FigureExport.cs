using System.Text.Json.Nodes;
using Saliency.Notebook.Display;
using Saliency.Notebook.IO;

namespace Saliency.Runner;

/// <summary>A figure written as a standalone HTML page.</summary>
public sealed record ExportedFigure(string HtmlPath, string Name, int Width, int Height);

/// <summary>
/// Finds the kit's figures in an executed notebook's HTML outputs (<see cref="FigureFiles.Find"/>) and writes each as a
/// standalone page (<see cref="FigureFiles.Page"/>) that loads plotly.js from one shared <see cref="PlotlyHtml.PlotlyJsFileName"/> in the same folder.
/// </summary>
public static class FigureExport
{
    /// <summary>
    /// Writes every figure of the executed notebook's cells as
    /// <c>&lt;notebook&gt;-cell&lt;NN&gt;-&lt;k&gt;-&lt;name&gt;.html</c> under <paramref name="directory"/>, and plotly.js once beside them.
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
                foreach ((string name, int width, int height, string body) in FigureFiles.Find(text))
                {
                    k++;
                    string path = Path.GetFullPath(Path.Combine(directory, FigureFiles.FileName(notebookName, index + 1, k, name)));
                    AtomicFile.WriteAllText(path, FigureFiles.Page(name, width, height, body));
                    exported.Add(new ExportedFigure(path, name, width, height));
                }
            }
        }
        if (exported.Count > 0) FigureFiles.WritePlotlyJs(directory);
        return exported;
    }
}
