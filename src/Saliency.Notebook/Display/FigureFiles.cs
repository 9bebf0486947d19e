using System.Net;
using System.Text.RegularExpressions;

namespace Saliency.Notebook.Display;

/// <summary>
/// The kit's figures inside a cell's HTML output (the bodies between <see cref="PlotlyHtml.FigureStartMarker"/> and
/// <see cref="PlotlyHtml.FigureEndMarker"/>) and the one way their files are named, <c>&lt;notebook&gt;-cell&lt;NN&gt;-&lt;k&gt;-&lt;name&gt;.html</c>:
/// the headless runner and an exported app write the same names.
/// </summary>
public static partial class FigureFiles
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

    /// <summary>The file name of the <paramref name="k"/>-th figure (from 1) of cell <paramref name="cellNumber"/> (from 1, markdown cells counted).</summary>
    public static string FileName(string notebookName, int cellNumber, int k, string figureName) =>
        $"{FilePrefix(notebookName)}{cellNumber:D2}-{k}-{Slug(figureName)}.html";

    /// <summary>
    /// The page of one figure in a figures folder, as the runner and an exported app write it: the figure between its markers
    /// (so <see cref="Find"/> finds it there too), plotly.js from the folder's one <see cref="PlotlyHtml.PlotlyJsFileName"/>
    /// (<see cref="WritePlotlyJs"/>).
    /// </summary>
    public static string Page(string name, int width, int height, string body) =>
        PlotlyHtml.Page(name, new[] { PlotlyHtml.Marked(name, width, height, body) }, PlotlyJsSource.File);

    /// <summary>Writes plotly.js once into <paramref name="folder"/>, where the pages of <see cref="Page"/> load it from.</summary>
    public static void WritePlotlyJs(string folder)
    {
        string path = Path.Combine(folder, PlotlyHtml.PlotlyJsFileName);
        if (!File.Exists(path) || new FileInfo(path).Length != System.Text.Encoding.UTF8.GetByteCount(PlotlyHtml.PlotlyJs))
            IO.AtomicFile.WriteAllText(path, PlotlyHtml.PlotlyJs);
    }

    private static string Slug(string name) => Regex.Replace(name.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-') is { Length: > 0 } slug ? slug : "figure";

    [GeneratedRegex(@"<!--saliency-figure name=""(?<name>[^""]*)"" width=""(?<width>\d+)"" height=""(?<height>\d+)""-->\n(?<body>.*?)\n<!--/saliency-figure-->", RegexOptions.Singleline)]
    private static partial Regex Marked();
}
