using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Saliency.Notebook.Display;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>
/// The notebooks are committed with their outputs, so they can be read before they are run: each one's outputs come from a
/// run of its current code (the stamp in its metadata), fit the size limits, and show every figure as an image where no
/// JavaScript runs. The stamp itself changes with the code and only with it.
/// </summary>
public sealed partial class CommittedOutputsTests : IDisposable
{
    private const long NotebookLimitBytes = 3_000_000, FigureLimitBytes = 1_000_000;

    private readonly string _folder = Directory.CreateTempSubdirectory("committed-outputs-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> Notebooks => NotebookStructureTests.AllNotebooks;

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void A_committed_notebook_carries_the_outputs_of_its_current_code_within_the_size_limits(string name)
    {
        string path = Path.Combine(TestData.RepoRoot, "notebooks", name + ".ipynb");
        NotebookDocument notebook = NotebookDocument.Load(path);

        Assert.Null(CommittedOutputs.StaleReason(notebook, path));
        Assert.InRange(new FileInfo(path).Length, 1, NotebookLimitBytes);
        var code = notebook.Cells.OfType<JsonObject>().Where(cell => (string?)cell["cell_type"] == "code").ToList();
        Assert.All(code, cell => Assert.NotNull(cell["execution_count"]));                          // one complete run
        int figures = 0;
        foreach (JsonObject cell in code)
            foreach (JsonObject output in cell["outputs"]!.AsArray().OfType<JsonObject>())
            {
                Assert.NotEqual("error", (string?)output["output_type"]);
                if (output["data"]?["text/html"] is not JsonNode html) continue;
                foreach ((string figure, _, _, string body) in FigureFiles.Find(Text(html)))
                {
                    figures++;
                    // Every figure shows as an image where no script runs, and its data without that image fit 1 MB.
                    Match image = StaticImage().Match(body);
                    Assert.True(image.Success, $"{name}: the figure '{figure}' carries no static image.");
                    Assert.InRange(body.Length - image.Length, 1, FigureLimitBytes);
                    AssertAxesTitled(name, figure, body);
                }
            }
        Assert.True(figures >= 5, $"{name}: {figures} figures in the committed outputs.");
    }

    [Fact]
    public void Refreshing_copies_a_runs_outputs_into_the_notebook_and_stamps_its_code()
    {
        string path = Write("nb.ipynb", Notebook(("markdown", "# A lead"), ("code", "var x = 1;"), ("markdown", "## Step"), ("code", "x")));
        NotebookDocument run = NotebookDocument.Load(path);
        run.Cells[3]!["outputs"] = new JsonArray(new JsonObject { ["output_type"] = "execute_result", ["data"] = new JsonObject { ["text/plain"] = "1" } });
        run.Cells[3]!["execution_count"] = 2;
        run.Cells[1]!["execution_count"] = 1;

        CommittedOutputs.Refresh(path, run);

        NotebookDocument refreshed = NotebookDocument.Load(path);
        Assert.Equal("1", (string?)refreshed.Cells[3]!["outputs"]![0]!["data"]!["text/plain"]);
        Assert.Equal(2, (int)refreshed.Cells[3]!["execution_count"]!);
        Assert.Equal(CommittedOutputs.CodeHash(refreshed), (string?)refreshed.Metadata["saliency"]!["code_sha256"]);
        Assert.Null(CommittedOutputs.StaleReason(refreshed, path));
        // Written as Jupyter writes notebooks: one space of indent, keys in order.
        string text = File.ReadAllText(path);
        Assert.StartsWith("{\n \"cells\": [\n  {\n   \"cell_type\"", text.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Editing_code_makes_the_outputs_stale_and_editing_a_lead_does_not()
    {
        string path = Write("nb.ipynb", Notebook(("markdown", "# A lead"), ("code", "var x = 1;")));
        CommittedOutputs.Refresh(path, NotebookDocument.Load(path));
        NotebookDocument notebook = NotebookDocument.Load(path);

        notebook.Cells[0]!["source"] = "# Another lead";
        Assert.Null(CommittedOutputs.StaleReason(notebook, path));
        notebook.Cells[1]!["source"] = "var x = 2;";
        string? stale = CommittedOutputs.StaleReason(notebook, path);
        Assert.NotNull(stale);
        Assert.Contains("code changed", stale);
        Assert.Contains(CommittedOutputs.RefreshCommand, stale);
        // A cell's language is part of its code.
        notebook.Cells[1]!["source"] = "var x = 1;";
        Assert.Null(CommittedOutputs.StaleReason(notebook, path));
        notebook.Cells[1]!["metadata"] = new JsonObject { ["dotnet_interactive"] = new JsonObject { ["language"] = "fsharp" } };
        Assert.NotNull(CommittedOutputs.StaleReason(notebook, path));
    }

    [Fact]
    public void A_notebook_without_a_stamp_is_stale_and_a_run_of_other_cells_is_refused()
    {
        string path = Write("nb.ipynb", Notebook(("markdown", "# A lead"), ("code", "var x = 1;")));
        Assert.Contains("no outputs stamp", CommittedOutputs.StaleReason(NotebookDocument.Load(path), path));

        string other = Write("other.ipynb", Notebook(("markdown", "# A lead"), ("code", "var x = 1;"), ("code", "x")));
        var e = Assert.Throws<InvalidOperationException>(() => CommittedOutputs.Refresh(path, NotebookDocument.Load(other)));
        Assert.Contains("2 cells but its run has 3", e.Message);
        Assert.Null(NotebookDocument.Load(path).Metadata["saliency"]);                             // nothing written
    }

    /// <summary>A plot's x and y axes are titled (with units): of the axes its traces use, at least one per letter carries a title.</summary>
    private static void AssertAxesTitled(string notebook, string figure, string body)
    {
        Match json = FigureJson().Match(body);
        if (!json.Success) return;                                                                  // the brushing tool: its browser test checks its axes
        JsonNode plot = JsonNode.Parse(json.Groups["json"].Value)!;
        JsonObject layout = plot["layout"]!.AsObject();
        foreach (char letter in "xy")
        {
            var used = plot["data"]!.AsArray().Select(trace => letter + "axis" + ((string?)trace![letter + "axis"] ?? letter.ToString())[1..])
                .Distinct().Where(layout.ContainsKey).ToList();
            if (used.Count == 0) continue;
            Assert.True(used.Any(axis => !string.IsNullOrEmpty((string?)layout[axis]!["title"]?["text"])), $"{notebook}: the figure '{figure}' has no {letter} axis title.");
        }
    }

    private static string Text(JsonNode html) => html is JsonArray lines ? string.Concat(lines.Select(line => (string?)line)) : (string)html!;

    private string Write(string name, JsonObject notebook)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, notebook.ToJsonString());
        return path;
    }

    private static JsonObject Notebook(params (string Type, string Source)[] cells) => new()
    {
        ["nbformat"] = 4, ["nbformat_minor"] = 5, ["metadata"] = new JsonObject(),
        ["cells"] = new JsonArray(cells.Select(cell => (JsonNode)(cell.Type == "code"
            ? new JsonObject { ["cell_type"] = "code", ["metadata"] = new JsonObject(), ["source"] = cell.Source, ["execution_count"] = null, ["outputs"] = new JsonArray() }
            : new JsonObject { ["cell_type"] = "markdown", ["metadata"] = new JsonObject(), ["source"] = cell.Source })).ToArray()),
    };

    [GeneratedRegex(@"var fig=(?<json>\{.*?\});Plotly", RegexOptions.Singleline)]
    private static partial Regex FigureJson();

    [GeneratedRegex(@"<img class=""saliency-static"" alt=""[^""]*"" src=""data:image/[a-z]+;base64,[A-Za-z0-9+/=]+"">")]
    private static partial Regex StaticImage();
}
