namespace Saliency.Notebook.Plots;

/// <summary>
/// One colour per label for every figure of a dataset, from the Okabe–Ito palette (Okabe &amp; Ito 2008, "Color Universal
/// Design"), which readers with the common colour-vision deficiencies tell apart. The paper's classes keep its hues (§3.2.4 of
/// the method notes: green, blue, red become bluish green, blue, vermillion); labels the paper does not name get the palette's
/// other colours in order of first appearance, skipping colours already used. The datasets' own colours
/// (<c>DatasetInfo.LabelColors</c>) are these.
/// </summary>
public static class LabelColors
{
    /// <summary>Okabe–Ito blue, vermillion and bluish green: the paper's blue, red and green.</summary>
    public const string Blue = "#0072B2", Vermillion = "#D55E00", Green = "#009E73";

    /// <summary>EOG time-series classes.</summary>
    public static readonly IReadOnlyDictionary<string, string> TimeSeries = new Dictionary<string, string>
    {
        ["3"] = Green, ["6"] = Blue, ["7"] = Vermillion,
    };

    /// <summary>Zurich aircraft trajectories (landings by runway side, and flyovers).</summary>
    public static readonly IReadOnlyDictionary<string, string> Aircraft = new Dictionary<string, string>
    {
        ["East"] = Blue, ["West"] = Vermillion, ["South"] = Green, ["Flyover"] = "#000000",
    };

    /// <summary>Handwritten symbols; Omega is accepted as <c>\Omega</c>, <c>Omega</c> or <c>Ω</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string> Symbols = new Dictionary<string, string>
    {
        ["("] = Blue, [")"] = Vermillion, ["\\Omega"] = Green, ["Omega"] = Green, ["Ω"] = Green,
    };

    /// <summary>The Okabe–Ito palette (orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple, black), for labels outside the paper's datasets.</summary>
    public static readonly IReadOnlyList<string> OkabeIto = new[]
    {
        "#E69F00", "#56B4E9", Green, "#F0E442", Blue, Vermillion, "#CC79A7", "#000000",
    };

    /// <summary>The paper's colour of <paramref name="label"/>, or null when the paper does not name it.</summary>
    public static string? Known(string label) =>
        TimeSeries.GetValueOrDefault(label) ?? Aircraft.GetValueOrDefault(label) ?? Symbols.GetValueOrDefault(label);

    /// <summary>A colour for each distinct label: the paper's where it has one, else the next unused Okabe–Ito colour.</summary>
    public static IReadOnlyDictionary<string, string> For(IEnumerable<string> labels)
    {
        var distinct = labels.Distinct().ToList();
        var colours = new Dictionary<string, string>();
        foreach (string label in distinct)
            if (Known(label) is { } colour) colours[label] = colour;
        var unused = new Queue<string>(OkabeIto.Where(colour => !colours.ContainsValue(colour)));
        foreach (string label in distinct.Where(label => !colours.ContainsKey(label)))
        {
            if (unused.Count == 0) unused = new Queue<string>(OkabeIto);
            colours[label] = unused.Dequeue();
        }
        return colours;
    }
}
