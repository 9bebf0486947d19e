using System.Text.RegularExpressions;

namespace Saliency.Notebook.Plots;

/// <summary>
/// How a class label reads in a figure. The paper's symbols data stores Omega as the TeX command <c>\Omega</c> (the
/// literal string); plotly.js draws TeX only with MathJax, which the kit does not load, so a figure would show the
/// backslash. Every TeX Greek-letter command in a label (<c>\Omega</c>, <c>$\alpha$</c>, <c>\Omega_pruned</c>) is shown
/// as its Unicode letter; the label itself (grouping, colours, filters, saved results) stays as the data has it.
/// Written here because no package the kit loads converts TeX to Unicode, and only the Greek letters are needed.
/// </summary>
public static partial class LabelText
{
    private static readonly IReadOnlyDictionary<string, char> Greek = BuildGreek();

    /// <summary>The label as a figure shows it: each <c>\Name</c> of a Greek letter as that letter, a <c>$…$</c> wrap removed.</summary>
    public static string Display(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        string text = label.Length > 2 && label[0] == '$' && label[^1] == '$' ? label[1..^1] : label;
        return TexCommand().Replace(text, match => Greek.TryGetValue(match.Groups[1].Value, out char letter) ? letter.ToString() : match.Value);
    }

    /// <summary>The labels as figures show them, in the same order.</summary>
    public static string[] Display(IEnumerable<string> labels) => labels.Select(Display).ToArray();

    [GeneratedRegex(@"\\([A-Za-z]+)")]
    private static partial Regex TexCommand();

    /// <summary>TeX's names of the Greek letters, in alphabet order, against U+0391… (capitals) and U+03B1… (small letters).</summary>
    private static Dictionary<string, char> BuildGreek()
    {
        string[] names =
        {
            "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
            "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
        };
        var letters = new Dictionary<string, char>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            int offset = i < 17 ? i : i + 1;   // U+03A2 and U+03C2 (final sigma) sit between rho and sigma
            letters[names[i]] = (char)(0x3B1 + offset);
            letters[char.ToUpperInvariant(names[i][0]) + names[i][1..]] = (char)(0x391 + offset);
        }
        return letters;
    }
}
