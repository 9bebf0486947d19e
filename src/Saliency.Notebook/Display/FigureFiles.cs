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

    private static string Slug(string name) => Regex.Replace(name.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-') is { Length: > 0 } slug ? slug : "figure";

    [GeneratedRegex(@"<!--saliency-figure name=""(?<name>[^""]*)"" width=""(?<width>\d+)"" height=""(?<height>\d+)""-->\n(?<body>.*?)\n<!--/saliency-figure-->", RegexOptions.Singleline)]
    private static partial Regex Marked();
}
