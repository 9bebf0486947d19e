using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Formatting;
using Saliency.Notebook.Display;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>
/// The four paper notebooks under notebooks/ run headlessly with short parameters (few samples in the sanity checks) and
/// under `saliency run` (the real kernel over stdio) and their saved outputs hold each section's figures and tables, plotly.js once, and no error.
/// </summary>
[Collection(NotebookSessionCollection.Name)]
public sealed class PaperNotebookTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "saliency-paper-notebooks-" + Guid.NewGuid().ToString("N")[..8]);

    public PaperNotebookTests() => KitFeed.EnsurePacked();

    public void Dispose()
    {
        Formatter.ResetToDefault();
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    /// <summary>The figures each notebook must export, by name, in order: the dataset, the six steps, the run's timings, the checks.</summary>
    public static TheoryData<string, string[]> Notebooks => new()
    {
        { "symbols", new[] { "symbols-dataset", "symbols-latent-spread", "symbols-sample-1-gradcam-per-dimension", "symbols-mean-gradcam-per-dimension", "symbols-latent-pca", "symbols-sample-1-pc1-projection", "symbols-sample-1-pc2-projection", "symbols-global-maps", "symbols-combined-maps", "symbols-step-seconds", "symbols-global-masking-curve1", "symbols-kept-removed-parts", "symbols-kept-removed-curve1", "sanity-group-scores" } },
        { "eog", new[] { "eog-dataset", "eog-latent-spread", "eog-sample-1-gradcam-per-dimension", "eog-mean-gradcam-per-dimension", "eog-latent-pca", "eog-sample-1-pc1-projection", "eog-sample-1-pc2-projection", "eog-global-maps", "eog-combined-maps", "eog-step-seconds", "brushing-tool", "eog-global-masking-curve1" } },
        { "aircraft", new[] { "aircraft-dataset", "aircraft-latent-spread", "aircraft-sample-1-gradcam-per-dimension", "aircraft-mean-gradcam-per-dimension", "aircraft-latent-pca", "aircraft-sample-1-pc1-projection", "aircraft-sample-1-pc2-projection", "aircraft-global-maps", "aircraft-combined-maps", "aircraft-step-seconds", "aircraft-global-masking-curve1" } },
        { "aircraft-flyover", new[] { "aircraft-flyover-dataset", "aircraft-flyover-latent-spread-flyover-trained-model", "aircraft-flyover-latent-spread-landing-only-model", "aircraft-flyover-sample-1-gradcam-per-dimension-flyover-trained-model", "aircraft-flyover-mean-gradcam-per-dimension-flyover-trained-model", "aircraft-flyover-sample-1-gradcam-per-dimension-landing-only-model", "aircraft-flyover-mean-gradcam-per-dimension-landing-only-model", "aircraft-flyover-latent-pca", "aircraft-flyover-without-flyover-latent-pca", "aircraft-flyover-sample-1-pc1-projection-flyover-trained-model", "aircraft-flyover-sample-1-pc2-projection-flyover-trained-model", "aircraft-flyover-sample-1-pc1-projection-landing-only-model", "aircraft-flyover-sample-1-pc2-projection-landing-only-model", "aircraft-flyover-global-maps-flyover-trained-model--pc1-maps-per-label", "aircraft-flyover-global-maps-landing-only-model--pc1-maps-per-label", "aircraft-flyover-combined-maps-flyover-trained-model", "aircraft-flyover-combined-maps-landing-only-model", "aircraft-flyover-step-seconds-flyover-trained-model", "aircraft-flyover-step-seconds-landing-only-model", "aircraft-flyover-flyover-models-curve1" } },
    };

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task A_paper_notebook_runs_with_short_parameters_and_shows_every_section(string dataset, string[] figureNames)
    {
        string notebookPath = Path.Combine(TestData.RepoRoot, "notebooks", dataset, dataset + ".ipynb");
        NotebookRunResult result = await NotebookRunner.RunAsync(new NotebookRunOptions
        {
            NotebookPath = notebookPath,
            OutputPath = Path.Combine(_out, dataset + ".ipynb"),
            FigureDirectory = Path.Combine(_out, "figures"),
            Parameters = new Dictionary<string, string>
            {
                ["dataFolder"] = TestData.DataDirectory,
                ["checkSamplesPerLabel"] = "25",
                ["sample"] = "1",
                ["device"] = "cpu",
            },
        });

        Assert.True(result.Succeeded, result.Failure?.ToString());
        Assert.Equal(figureNames, result.Figures.Select(figure => figure.Name).ToArray());
        JsonObject notebook = JsonNode.Parse(File.ReadAllText(result.OutputNotebook))!.AsObject();
        Assert.Equal(".net-csharp", (string?)notebook["metadata"]!["kernelspec"]!["name"]);
        var codeCells = notebook["cells"]!.AsArray().Select(c => c!.AsObject()).Where(c => (string?)c["cell_type"] == "code").ToList();
        var outputs = codeCells.SelectMany(c => c["outputs"]!.AsArray().Select(o => o!.AsObject())).ToList();
        Assert.DoesNotContain(outputs, output => (string?)output["output_type"] == "error");
        string html = string.Concat(outputs.Select(o => (string?)o["data"]?["text/html"]));
        string marker = PlotlyHtml.EscapeForScript(PlotlyHtml.PlotlyJs)[..400];
        Assert.Equal(1, html.Split(marker).Length - 1);                                        // plotly.js once per notebook
        Assert.Equal(figureNames.Length - (dataset == "eog" ? 1 : 0), html.Split("class=\"saliency-plot\"").Length - 1);
        Assert.Contains("saliency-table", HtmlOf(codeCells[^1]));                               // the closing summary table
        Assert.Contains("mermaid", HtmlOf(codeCells[0]));                                       // the kernel rendered the diagram of the steps
        Assert.Contains("latent dimensions D", HtmlOf(codeCells.Single(c => Source(c).Contains("PaperModels.Resolve("))));
        Assert.Contains("Dataset " + dataset, HtmlOf(codeCells.Single(c => Source(c).Contains("Views.Dataset(dataset)"))));
    }

    private static string Source(JsonObject cell) => cell["source"] is JsonArray lines ? string.Concat(lines.Select(l => (string?)l)) : (string?)cell["source"] ?? "";

    private static string HtmlOf(JsonObject cell) => string.Concat(cell["outputs"]!.AsArray().Select(o => (string?)o!["data"]?["text/html"]));
}
