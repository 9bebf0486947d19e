using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive.Formatting;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Display;
using Saliency.Notebook.Plots;
using Saliency.Notebook.Tests.Plots;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>
/// The four paper notebooks under notebooks/ run headlessly with short parameters (few samples in the sanity checks) and
/// under `saliency run` (the real kernel over stdio) and their saved outputs hold each section's figures and tables, plotly.js once, and no error;
/// the exported figures show what a reader of the paper looks for (the figures' plotly.js data, read back from the exported pages).
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
        { "symbols", new[] { "symbols-dataset", "symbols-latent-spread", "symbols-sample-1-gradcam-per-dimension", "symbols-mean-gradcam-per-dimension", "symbols-latent-pca", "symbols-sample-1-pc1-projection", "symbols-sample-1-pc2-projection", "symbols-global-maps", "symbols-combined-maps", "symbols-step-seconds", "symbols-global-masking-curve1", "symbols-local-global-masking", "symbols-kept-removed-parts", "symbols-kept-removed-curve1", "sanity-group-scores" } },
        { "eog", new[] { "eog-dataset", "eog-latent-spread", "eog-sample-1-gradcam-per-dimension", "eog-mean-gradcam-per-dimension", "eog-latent-pca", "eog-sample-1-pc1-projection", "eog-sample-1-pc2-projection", "eog-global-maps", "eog-combined-maps", "eog-dataset-pc1-maps", "eog-step-seconds", "brushing-tool", "eog-global-masking-curve1" } },
        { "aircraft", new[] { "aircraft-dataset", "aircraft-latent-spread", "aircraft-sample-1-gradcam-per-dimension", "aircraft-mean-gradcam-per-dimension", "aircraft-latent-pca", "aircraft-sample-1-pc1-projection", "aircraft-sample-1-pc2-projection", "aircraft-global-maps", "aircraft-combined-maps", "aircraft-flights-pc1-maps", "aircraft-step-seconds", "aircraft-global-masking-curve1" } },
        { "aircraft-flyover", new[] { "aircraft-flyover-dataset", "aircraft-flyover-flyover-along-time", "aircraft-flyover-latent-spread-flyover-trained-model", "aircraft-flyover-latent-spread-landing-only-model", "aircraft-flyover-sample-1-gradcam-per-dimension-flyover-trained-model", "aircraft-flyover-mean-gradcam-per-dimension-flyover-trained-model", "aircraft-flyover-sample-1-gradcam-per-dimension-landing-only-model", "aircraft-flyover-mean-gradcam-per-dimension-landing-only-model", "aircraft-flyover-latent-pca", "aircraft-flyover-without-flyover-latent-pca", "aircraft-flyover-sample-1-pc1-projection-flyover-trained-model", "aircraft-flyover-sample-1-pc2-projection-flyover-trained-model", "aircraft-flyover-sample-1-pc1-projection-landing-only-model", "aircraft-flyover-sample-1-pc2-projection-landing-only-model", "aircraft-flyover-global-maps-flyover-trained-model--pc1-maps-per-label", "aircraft-flyover-global-maps-landing-only-model--pc1-maps-per-label", "aircraft-flyover-combined-maps-flyover-trained-model", "aircraft-flyover-combined-maps-landing-only-model", "aircraft-flyover-flights-pc1-maps", "aircraft-flyover-step-seconds-flyover-trained-model", "aircraft-flyover-step-seconds-landing-only-model", "aircraft-flyover-flyover-models-curve1" } },
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

        if (dataset == "symbols") AssertLocalAgainstGlobal(FigureOf(result, "symbols-local-global-masking"));
        if (dataset == "eog") AssertSeriesUnderMaps(FigureOf(result, "eog-dataset-pc1-maps"));
        if (dataset.StartsWith("aircraft", StringComparison.Ordinal))
            foreach (string name in new[] { $"{dataset}-dataset", $"{dataset}-flights-pc1-maps", figureNames.First(n => n.StartsWith($"{dataset}-global-maps", StringComparison.Ordinal)),
                figureNames.First(n => n.StartsWith($"{dataset}-combined-maps", StringComparison.Ordinal)), $"{dataset}-sample-1-pc1-projection{(dataset == "aircraft" ? "" : "-flyover-trained-model")}" }
                .Concat(dataset == "aircraft" ? [] : ["aircraft-flyover-flyover-along-time"]))
                AssertInDegreesWithRunways(FigureOf(result, name), name);
    }

    /// <summary>The paper's local_global/pca_distance_compare: one red curve named global, at least 20 grey ones named after Ω samples, over the ten percentiles.</summary>
    private static void AssertLocalAgainstGlobal(JsonObject figure)
    {
        double[] percentiles = { 10, 20, 30, 40, 50, 60, 70, 80, 90, 99 };
        var traces = Traces(figure);
        JsonObject global = Assert.Single(traces, t => Name(t) == "global");
        Assert.Equal(percentiles, Numbers(global["x"]));
        Assert.Equal(10, Numbers(global["y"]).Count(double.IsFinite));
        Assert.Equal(LabelColors.Vermillion, (string?)global["line"]!["color"]);
        var locals = traces.Where(t => Regex.IsMatch(Name(t), @"^local \d+$")).ToList();
        Assert.InRange(locals.Count, 20, int.MaxValue);
        using TimeSeriesDataset symbols = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        var references = locals.Select(t => int.Parse(Name(t)["local ".Length..])).ToList();
        Assert.Equal(references.Count, references.Distinct().Count());
        Assert.All(references, index => Assert.Equal("\\Omega", symbols.Labels[index]));   // dataset indices of Ω samples
        Assert.All(locals, t =>
        {
            Assert.Equal(percentiles, Numbers(t["x"]));
            Assert.Equal(10, Numbers(t["y"]).Count(double.IsFinite));
            Assert.StartsWith("rgba(140,140,140", (string?)t["line"]!["color"]);               // grey
        });
        Assert.Equal("global", Name(traces[^1]));                                                // drawn on top
    }

    /// <summary>
    /// eog/dataset_plot [4]: per digit, its series (60 of its 330 drawn, evenly spaced, with the ink of all) and its PC1 map on the
    /// same axes, the map from its 90th percentile up at opacity .9, in the series' value range.
    /// </summary>
    private static void AssertSeriesUnderMaps(JsonObject figure)
    {
        var traces = Traces(figure);
        var heatmaps = traces.Where(t => (string?)t["type"] == "heatmap").ToList();
        Assert.Equal(3, heatmaps.Count);
        int series = 0;
        var ranges = new List<double[]>();
        var values = new List<double>();
        foreach (JsonObject heatmap in heatmaps)
        {
            string x = (string?)heatmap["xaxis"] ?? "x", y = (string?)heatmap["yaxis"] ?? "y";
            var curves = traces.Where(t => (string?)t["type"] == "scatter" && ((string?)t["xaxis"] ?? "x") == x && ((string?)t["yaxis"] ?? "y") == y).ToList();
            Assert.Equal(Views.DefaultMaxCurvesPerLabel, curves.Sum(c => FigureJson.Segments(c).Count));   // the digit's drawn series under its map
            series += curves.Sum(c => FigureJson.Segments(c).Count);
            Assert.Equal(0.9, (double)heatmap["opacity"]!);
            double from = (double)heatmap["meta"]!["zmin"]!;
            double[] z = FigureJson.MapValues(heatmap);
            Assert.InRange(from, 1e-6, 1);
            Assert.All(z.Where(double.IsFinite), value => Assert.True(value >= from));          // under the 90th percentile: not drawn
            Assert.InRange(z.Count(double.IsFinite) / (double)z.Length, 0.05, 0.15);           // about the top tenth
            values.AddRange(curves.SelectMany(c => Numbers(c["y"])).Where(double.IsFinite));
            ranges.Add(Numbers(figure["layout"]!["yaxis" + y[1..]]!["range"]));
        }
        Assert.Equal(3 * Views.DefaultMaxCurvesPerLabel, series);
        Assert.Equal(3, figure["layout"]!["annotations"]!.AsArray().Count(a => ((string?)a!["text"])?.Contains($"({Views.DefaultMaxCurvesPerLabel} of 330 series drawn)") == true));
        // The series' own value range (all digits'), as the paper's extent; the drawn curves keep what a panel can show, within it.
        using TimeSeriesDataset eog = DatasetRegistry.Load("eog", TestData.DataDirectory);
        double low = eog.X.min().to(TorchSharp.torch.float64).item<double>(), high = eog.X.max().to(TorchSharp.torch.float64).item<double>();
        Assert.All(ranges, range =>
        {
            Assert.Equal(low, range[0], 4);
            Assert.Equal(high, range[1], 4);
        });
        Assert.InRange(values.Min(), low, high);
        Assert.InRange(values.Max(), low, high);
    }

    /// <summary>Flights and maps in degrees around Zurich, on axes that keep distances true at 47° N, with the three runways named.</summary>
    private static void AssertInDegreesWithRunways(JsonObject figure, string name)
    {
        var traces = Traces(figure);
        foreach (JsonObject trace in traces)
        {
            double[] x = Numbers(trace["x"]).Where(double.IsFinite).ToArray(), y = Numbers(trace["y"]).Where(double.IsFinite).ToArray();
            if (x.Length == 0) continue;                                                         // a legend entry
            Assert.True(x.All(v => v is > 7.3 and < 9.6) && y.All(v => v is > 46.6 and < 47.8), $"{name}: trace '{Name(trace)}' is not in degrees around Zurich");
        }
        double[] longitudes = traces.Where(t => (string?)t["type"] == "scatter").SelectMany(t => Numbers(t["x"])).Where(double.IsFinite).ToArray();
        Assert.Equal(8, Math.Floor(longitudes.Average()));                                       // lon ≈ 8.x
        Assert.Equal(47, Math.Floor(traces.Where(t => (string?)t["type"] == "scatter").SelectMany(t => Numbers(t["y"])).Where(double.IsFinite).Average()));
        var runways = traces.Where(t => Name(t).StartsWith("runway ", StringComparison.Ordinal)).Select(Name).Distinct().ToArray();
        Assert.Equal(new[] { "runway 10/28", "runway 14/32", "runway 16/34" }, runways);
        var yAxes = figure["layout"]!.AsObject().Where(p => p.Key.StartsWith("yaxis", StringComparison.Ordinal) && p.Value!["scaleratio"] != null).ToList();
        Assert.NotEmpty(yAxes);
        Assert.All(yAxes, axis => Assert.InRange((double)axis.Value!["scaleratio"]!, 1 / Math.Cos(47.0 * Math.PI / 180), 1 / Math.Cos(47.5 * Math.PI / 180)));
    }

    /// <summary>The plotly.js figure (data and layout) of an exported figure page, as the page hands it to Plotly.newPlot.</summary>
    private static JsonObject FigureOf(NotebookRunResult result, string name)
    {
        string html = File.ReadAllText(result.Figures.Single(f => f.Name == name).HtmlPath);
        Match match = Regex.Match(html, @"var fig=(?<json>\{.*?\});Plotly\.newPlot", RegexOptions.Singleline);
        Assert.True(match.Success, $"{name}: no plotly.js figure in its page");
        return JsonNode.Parse(match.Groups["json"].Value)!.AsObject();
    }

    private static List<JsonObject> Traces(JsonObject figure) => figure["data"]!.AsArray().Select(t => t!.AsObject()).ToList();

    private static string Name(JsonObject trace) => (string?)trace["name"] ?? "";

    private static double[] Numbers(JsonNode? values) => FigureJson.Numbers(values);

    private static string Source(JsonObject cell) => cell["source"] is JsonArray lines ? string.Concat(lines.Select(l => (string?)l)) : (string?)cell["source"] ?? "";

    private static string HtmlOf(JsonObject cell) => string.Concat(cell["outputs"]!.AsArray().Select(o => (string?)o!["data"]?["text/html"]));
}
