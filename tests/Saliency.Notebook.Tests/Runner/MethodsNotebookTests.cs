using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive.Formatting;
using Saliency.Notebook.Display;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>
/// The methods notebooks (symbols and eog) run in the real pinned kernel under `saliency run` with few samples, and show what a
/// reader must see: one figure per method, IG's and Fourier IG's completeness errors small, CSDA equal to the autograd gradient
/// within float32 rounding, every method's PC1 maps side by side (eight method panels per label) and each sanity check's figure.
/// </summary>
[Collection(NotebookSessionCollection.Name)]
public sealed partial class MethodsNotebookTests : IDisposable
{
    private static readonly string[] Methods = { "gradcam", "gradslam", "gradient", "gradxinput", "guided", "ig", "fourier-ig", "csda" };

    private readonly string _out = Path.Combine(Path.GetTempPath(), "saliency-methods-notebooks-" + Guid.NewGuid().ToString("N")[..8]);

    public MethodsNotebookTests() => KitFeed.EnsurePacked();

    public void Dispose()
    {
        Formatter.ResetToDefault();
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    public static TheoryData<string, int> Notebooks => new() { { "symbols", 3 }, { "eog", 3 } };

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task A_methods_notebook_shows_every_method_its_exactness_the_maps_side_by_side_and_every_check(string dataset, int labels)
    {
        NotebookRunResult result = await NotebookRunner.RunAsync(new NotebookRunOptions
        {
            NotebookPath = Path.Combine(TestData.RepoRoot, "notebooks", dataset, "methods.ipynb"),
            OutputPath = Path.Combine(_out, dataset + "-methods.ipynb"),
            FigureDirectory = Path.Combine(_out, dataset + "-figures"),
            Parameters = new Dictionary<string, string>
            {
                ["dataFolder"] = TestData.DataDirectory,
                ["methodSamplesPerLabel"] = "4",
                ["checkSamplesPerLabel"] = "12",
                ["randomisationSamplesPerLabel"] = "2",
                ["device"] = "cpu",
            },
        });

        Assert.True(result.Succeeded, result.Failure?.ToString());
        string[] expected = new[] { $"{dataset}-dataset", $"{dataset}-latent-spread", $"{dataset}-latent-pca" }
            .Concat(Methods.Select(method => $"{dataset}-mean-{method}-per-dimension"))
            .Append($"{dataset}-method-maps-pc1")
            .Concat(new[] { "single-class-curve1", "translation-curve1", "corruption-curve1", "corruption-curve2", "randomisation-curve1", "local-masking-curve1", "global-masking-curve1" }.Select(f => $"{dataset}-{f}"))
            .Concat(new[] { $"{dataset}-deletion-curves", $"{dataset}-insertion-curves" })
            .ToArray();
        Assert.Equal(expected, result.Figures.Select(figure => figure.Name).ToArray());

        JsonObject notebook = JsonNode.Parse(File.ReadAllText(result.OutputNotebook))!.AsObject();
        var codeCells = notebook["cells"]!.AsArray().Select(c => c!.AsObject()).Where(c => (string?)c["cell_type"] == "code").ToList();
        Assert.DoesNotContain(codeCells.SelectMany(c => c["outputs"]!.AsArray()), output => (string?)output!["output_type"] == "error");
        string html = string.Concat(codeCells.Select(HtmlOf));
        Assert.Equal(1, html.Split(PlotlyHtml.EscapeForScript(PlotlyHtml.PlotlyJs)[..400]).Length - 1);   // plotly.js once

        // Integrated gradients add up to the change of the target, in time and in the Fourier domain alike.
        foreach (string variable in new[] { "ig", "fourierIg" })
        {
            string completeness = HtmlOf(codeCells.Single(c => Source(c).Contains($"Views.Completeness({variable})")));
            double percent = double.Parse(CompletenessPercent().Match(completeness).Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.InRange(percent, 0, 1.5);
        }

        // CSDA is the autograd gradient: equal to float32 rounding.
        string agreement = HtmlOf(codeCells.Single(c => Source(c).Contains("Views.Agreement(csda, gradient)")));
        Assert.InRange(double.Parse(AgreementRatio().Match(agreement).Groups[1].Value, CultureInfo.InvariantCulture), 0, 1e-4);

        // The side-by-side figure: one panel per method and label.
        string maps = File.ReadAllText(result.Figures.Single(f => f.Name == $"{dataset}-method-maps-pc1").HtmlPath);
        foreach (string method in Methods)
            Assert.Equal(labels, maps.Split($"\"text\":\"{method}, ").Length - 1);

        // The randomisation check ran every method at once and names the methods that pass.
        string randomisation = HtmlOf(codeCells.Single(c => Source(c).Contains("Get(\"randomisation\")")));
        Assert.Contains($"randomisation on {dataset} ({string.Join(",", Methods)})", randomisation);
        Assert.DoesNotContain("System.Collections.Generic", randomisation);

        // The evaluation: a row per method and random, a verdict over the methods over time steps, and their curves (random's too).
        string evaluation = HtmlOf(codeCells.Single(c => Source(c).Contains("Views.Evaluation(evaluation)")));
        Assert.Contains("Most faithful by deletion AUC among the methods over time steps:", evaluation);
        foreach (string method in Methods.Append("random"))
            Assert.Contains($">{method}</td>", evaluation);
        string deletion = File.ReadAllText(result.Figures.Single(f => f.Name == $"{dataset}-deletion-curves").HtmlPath);
        foreach (string method in Methods.Where(m => m != "fourier-ig").Append("random"))
            Assert.Contains($"\"name\":\"{method}\"", deletion);
        Assert.DoesNotContain("\"name\":\"fourier-ig\"", deletion);
    }

    [Fact]
    public void Reproduce_runs_the_methods_notebooks_with_each_datasets_paper_notebook_in_name_order()
    {
        var plan = Reproduction.Plan(Path.Combine(TestData.RepoRoot, "notebooks"), new[] { "symbols", "eog" });

        Assert.Equal(new[] { "symbols/methods.ipynb", "symbols/symbols.ipynb", "eog/eog.ipynb", "eog/methods.ipynb" },
            plan.Select(p => $"{p.Dataset}/{Path.GetFileName(p.Notebook)}"));
    }

    [GeneratedRegex(@"largest completeness error is ([0-9.]+) %")]
    private static partial Regex CompletenessPercent();

    [GeneratedRegex(@"Largest difference relative to the largest gradient value, over \d+ samples and \d+ targets: ([0-9.e+-]+)\.")]
    private static partial Regex AgreementRatio();

    private static string Source(JsonObject cell) => cell["source"] is JsonArray lines ? string.Concat(lines.Select(l => (string?)l)) : (string?)cell["source"] ?? "";

    private static string HtmlOf(JsonObject cell) => string.Concat(cell["outputs"]!.AsArray().Select(o => (string?)o!["data"]?["text/html"]));
}
