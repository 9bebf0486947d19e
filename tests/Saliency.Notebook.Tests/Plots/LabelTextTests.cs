using System.Text.Json;
using Saliency.Notebook.Display;
using Saliency.Notebook.Plots;

namespace Saliency.Notebook.Tests.Plots;

public class LabelTextTests
{
    /// <summary>Each TeX Greek-letter command against its letter from Python's Unicode database (U+0391…U+03C9, final sigma left out).</summary>
    [Fact]
    public void Every_TeX_Greek_letter_command_reads_as_the_Unicode_letter_of_that_name()
    {
        var letters = PythonReference.Run("""
            import unicodedata
            out = {}
            for cp in list(range(0x391, 0x3AA)) + list(range(0x3B1, 0x3CA)):
                if cp in (0x3A2, 0x3C2): continue
                words = unicodedata.name(chr(cp)).split()          # e.g. GREEK CAPITAL LETTER OMEGA
                name = words[-1].lower().replace('lamda', 'lambda')  # Unicode spells lambda "LAMDA"
                out['\\' + (name.capitalize() if words[1] == 'CAPITAL' else name)] = chr(cp)
            """).EnumerateObject().ToList();

        Assert.Equal(48, letters.Count);
        foreach (JsonProperty letter in letters)
        {
            Assert.Equal(letter.Value.GetString(), LabelText.Display(letter.Name));
            Assert.Equal(letter.Value.GetString(), LabelText.Display("$" + letter.Name + "$"));
        }
    }

    [Theory]
    [InlineData("\\Omega_pruned", "Ω_pruned")]
    [InlineData("kept \\alpha and \\beta", "kept α and β")]
    [InlineData("\\Omegax", "\\Omegax")]
    [InlineData("\\frac", "\\frac")]
    [InlineData("East", "East")]
    [InlineData("(", "(")]
    [InlineData("$", "$")]
    [InlineData("", "")]
    public void Other_text_stays_as_it_is_around_the_letters(string label, string shown) =>
        Assert.Equal(shown, LabelText.Display(label));

    [Fact]
    public void Figures_show_the_symbols_Omega_as_a_letter_but_keep_the_data_label_for_grouping_and_colour()
    {
        string[] labels = { "(", "\\Omega", ")", "\\Omega" };
        double[][] scores = { new[] { 0.0, 1 }, new[] { 1.0, 2 }, new[] { 2.0, 3 }, new[] { 3.0, 4 } };
        var pca = new FigureJson(Charts.LatentPca(scores, labels, new[] { 0.5, 0.3 }));

        var omega = pca.Data.Single(trace => (string?)trace["name"] == "Ω");
        Assert.Equal(2, omega["x"]!.AsArray().Count);
        Assert.Equal(LabelColors.Symbols["\\Omega"], (string?)omega["marker"]!["color"]);
        Assert.DoesNotContain(pca.Data, trace => ((string?)trace["name"])!.Contains('\\'));

        double[][][] trajectories = labels.Select(_ => new[] { new[] { 0.0, 0 }, new[] { 1.0, 1 } }).ToArray();
        var dataset = new FigureJson(Charts.DatasetTrajectoriesOverTime(trajectories, labels));
        var titles = dataset.Layout["annotations"]!.AsArray().Select(a => (string?)a!["text"]).ToArray();
        Assert.Equal(new[] { "label ( (1 trajectories)", "label ) (1 trajectories)", "label Ω (2 trajectories)" }, titles);
    }

    [Fact]
    public void The_brushing_tool_titles_its_panels_with_the_shown_label_and_selects_by_the_data_label()
    {
        string[] labels = { "\\Omega", "(" };
        double[][] scores = { new[] { 0.0, 1 }, new[] { 1.0, 0 } };
        double[][] series = { new[] { 0.0, 1, 2 }, new[] { 2.0, 1, 0 } };
        double[][] weights = { new[] { 1.0, 1, 1 }, new[] { 1.0, 1, 1 } };
        string html = BrushingTool.Html(scores, series, weights, labels);

        Assert.Contains("\"labelText\":{\"(\":\"(\",\"\\\\Omega\":\"\\u03A9\"}", html);
        Assert.Contains("\"labels\":[\"\\\\Omega\",\"(\"]", html);
    }
}
