namespace Saliency.Notebook.Plots;

/// <summary>
/// The paper's label colours (§3.2.4 of the method notes), so every figure colours a class the same way; labels the
/// paper does not name get matplotlib's tab10 colours in order of first appearance, skipping colours already used.
/// </summary>
public static class LabelColors
{
    /// <summary>EOG time-series classes.</summary>
    public static readonly IReadOnlyDictionary<string, string> TimeSeries = new Dictionary<string, string>
    {
        ["3"] = "#4daf4a", ["6"] = "#1f77b4", ["7"] = "#e41a1c",
    };

    /// <summary>Zurich aircraft trajectories (landings by runway side, and flyovers).</summary>
    public static readonly IReadOnlyDictionary<string, string> Aircraft = new Dictionary<string, string>
    {
        ["East"] = "#1f77b4", ["West"] = "#e41a1c", ["South"] = "#4daf4a", ["Flyover"] = "#000000",
    };

    /// <summary>Handwritten symbols; Omega is accepted as <c>\Omega</c>, <c>Omega</c> or <c>Ω</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string> Symbols = new Dictionary<string, string>
    {
        ["("] = "#1f77b4", [")"] = "#e41a1c", ["\\Omega"] = "#4daf4a", ["Omega"] = "#4daf4a", ["Ω"] = "#4daf4a",
    };

    /// <summary>matplotlib's tab10 cycle, for labels outside the paper's datasets.</summary>
    public static readonly IReadOnlyList<string> Tab10 = new[]
    {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    };

    /// <summary>The paper's colour of <paramref name="label"/>, or null when the paper does not name it.</summary>
    public static string? Known(string label) =>
        TimeSeries.GetValueOrDefault(label) ?? Aircraft.GetValueOrDefault(label) ?? Symbols.GetValueOrDefault(label);

    /// <summary>A colour for each distinct label: the paper's where it has one, else the next unused tab10 colour.</summary>
    public static IReadOnlyDictionary<string, string> For(IEnumerable<string> labels)
    {
        var distinct = labels.Distinct().ToList();
        var colours = new Dictionary<string, string>();
        foreach (string label in distinct)
            if (Known(label) is { } colour) colours[label] = colour;
        var unused = new Queue<string>(Tab10.Where(colour => !colours.ContainsValue(colour)));
        foreach (string label in distinct.Where(label => !colours.ContainsKey(label)))
        {
            if (unused.Count == 0) unused = new Queue<string>(Tab10);
            colours[label] = unused.Dequeue();
        }
        return colours;
    }
}
