using System.Text.Json.Nodes;
using Saliency.Notebook.Display;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>
/// A run's figures are written aside and moved in only when every cell ran: a failed run leaves the notebook's earlier
/// figures as they were, a successful one replaces them all (stale ones removed), and other notebooks' figures stay.
/// </summary>
[Collection(NotebookSessionCollection.Name)]
public sealed class FigureStagingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("saliency-figure-staging-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// figs.ipynb: a parameters cell (<c>figure</c>, <c>fail</c>), a cell that displays one kit-marked figure named
    /// <c>figure</c>, and a last cell that throws when <c>fail</c>.
    /// </summary>
    private string FigureNotebook(bool fail)
    {
        string notebook = Path.Combine(_folder, "figs.ipynb");
        static JsonObject Cell(string source, params string[] tags) => new()
        {
            ["cell_type"] = "code", ["execution_count"] = null, ["outputs"] = new JsonArray(),
            ["metadata"] = new JsonObject { ["tags"] = new JsonArray(tags.Select(tag => (JsonNode)tag).ToArray()) },
            ["source"] = source,
        };
        var root = new JsonObject
        {
            ["cells"] = new JsonArray(
                Cell($"string figure = \"first\";\nbool fail = {(fail ? "true" : "false")};", "parameters"),
                Cell("display(HTML($\"<!--saliency-figure name=\\\"{figure}\\\" width=\\\"10\\\" height=\\\"10\\\"-->\\n<div>{figure}</div>\\n<!--/saliency-figure-->\"));"),
                Cell("if (fail) throw new InvalidOperationException(\"boom\");")),
            ["metadata"] = new JsonObject(), ["nbformat"] = 4, ["nbformat_minor"] = 5,
        };
        File.WriteAllText(notebook, root.ToJsonString());
        return notebook;
    }

    /// <summary>A figures folder with a stale figure of figs.ipynb (a cell it no longer has) and one of another notebook.</summary>
    private static void EarlierFigures(string figures)
    {
        Directory.CreateDirectory(figures);
        File.WriteAllText(Path.Combine(figures, "figs-cell09-1-stale.html"), "stale");
        File.WriteAllText(Path.Combine(figures, "other-cell01-1-kept.html"), "other notebook");
    }

    private static string[] Names(string folder) => Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void A_failed_run_leaves_the_earlier_figures_and_a_successful_one_replaces_them()
    {
        string output = Path.Combine(_folder, "out");
        string figures = Path.Combine(output, "figures");
        EarlierFigures(figures);
        string notebook = FigureNotebook(fail: false);

        (int failedCode, string failedError) = RunnerTests.Saliency("run", notebook, "--out", output, "--figures", "-p", "figure=second", "-p", "fail=true");

        Assert.Equal(1, failedCode);
        Assert.Contains("boom", failedError);
        Assert.Equal(new[] { "figs-cell09-1-stale.html", "other-cell01-1-kept.html" }, Names(figures));
        Assert.Equal("stale", File.ReadAllText(Path.Combine(figures, "figs-cell09-1-stale.html")));
        Assert.Equal(new[] { "figs.ipynb", "figures" }, Names(output)); // no staging folder left

        (int code, string error) = RunnerTests.Saliency("run", notebook, "--out", output, "--figures", "-p", "figure=second");

        Assert.True(code == 0, error);
        string[] names = Names(figures);
        Assert.Equal(3, names.Length);
        Assert.Matches("^figs-cell\\d\\d-1-second\\.html$", names[0]);
        Assert.Equal("other-cell01-1-kept.html", names[1]);
        Assert.Equal(PlotlyHtml.PlotlyJsFileName, names[2]);
        Assert.Equal(new[] { "figs.ipynb", "figures" }, Names(output));
    }

    [Fact]
    public void Staging_folders_of_killed_runs_are_removed_and_those_of_running_ones_kept()
    {
        string figures = Path.Combine(_folder, "figures");
        string killed = figures + ".staging-999999999-0badc0de";          // above any pid_max: no such process
        string running = figures + $".staging-{Environment.ProcessId}-5eed5eed";
        string unrelated = figures + ".staging-notes";                     // not a staging name: left alone
        foreach (string folder in new[] { killed, running, unrelated })
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "figs-cell01-1-x.html"), "x");
        }

        using (var staged = new StagedFigures(figures, "figs"))
        {
            Assert.StartsWith(figures + $".staging-{Environment.ProcessId}-", staged.Staging);
            Assert.False(Directory.Exists(killed));
            Assert.True(Directory.Exists(running));
            Assert.True(Directory.Exists(unrelated));
        }
        Assert.Equal(new[] { "figures.staging-" + Environment.ProcessId + "-5eed5eed", "figures.staging-notes" },
            Names(_folder).Where(name => name.StartsWith("figures", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Reproduce_swaps_a_notebooks_figures_in_only_when_it_ran_through()
    {
        string output = Path.Combine(_folder, "reproduce");
        string figures = Path.Combine(output, "symbols", "figures");
        EarlierFigures(figures);

        IReadOnlyList<ReproducedNotebook> failed = await Reproduction.RunAsync(new[] { ("symbols", FigureNotebook(fail: true)) }, output, png: false);

        Assert.False(failed.Single().Succeeded);
        Assert.Equal(new[] { "figs-cell09-1-stale.html", "other-cell01-1-kept.html" }, Names(figures));
        Assert.Equal(new[] { "figs.ipynb", "figures" }, Names(Path.Combine(output, "symbols")));

        IReadOnlyList<ReproducedNotebook> ran = await Reproduction.RunAsync(new[] { ("symbols", FigureNotebook(fail: false)) }, output, png: false);

        ReproducedNotebook result = ran.Single();
        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal(new[] { Path.Combine(figures, "figs-cell02-1-first.html") }, result.Result!.Figures.Select(figure => figure.HtmlPath).ToArray());
        Assert.Equal(new[] { "figs-cell02-1-first.html", "other-cell01-1-kept.html", PlotlyHtml.PlotlyJsFileName }, Names(figures));   // plotly.js once, shared
        Assert.Equal(new[] { "figs.ipynb", "figures" }, Names(Path.Combine(output, "symbols")));
    }
}
