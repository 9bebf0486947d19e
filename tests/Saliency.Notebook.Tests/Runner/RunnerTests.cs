using System.CommandLine;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Formatting;
using Saliency.Cli.Commands;
using Saliency.Notebook.Display;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Runner;

[Collection(NotebookSessionCollection.Name)]
public sealed class RunnerTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "saliency-runner-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public RunnerTests() => KitFeed.EnsurePacked();

    public void Dispose()
    {
        Formatter.ResetToDefault();
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    /// <summary>Runs <c>saliency run ARGS</c> in-process; returns the exit code and what went to stderr.</summary>
    internal static (int ExitCode, string Error) Saliency(params string[] args) =>
        StandardError.Capture(() => new RootCommand { RunCommand.Create() }.Parse(args).Invoke());

    internal static JsonObject Load(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    internal static List<JsonObject> Cells(JsonObject notebook) => notebook["cells"]!.AsArray().Select(c => c!.AsObject()).ToList();

    internal static List<JsonObject> Outputs(JsonObject cell) => cell["outputs"]!.AsArray().Select(o => o!.AsObject()).ToList();

    /// <summary>The parts of the nbformat 4 schema that Jupyter and VS Code rely on.</summary>
    private static void AssertValidNbformat4(JsonObject notebook)
    {
        Assert.Equal(4, (int)notebook["nbformat"]!);
        Assert.NotNull(notebook["nbformat_minor"]);
        JsonNode kernelspec = notebook["metadata"]!["kernelspec"]!;
        Assert.Equal(".net-csharp", (string?)kernelspec["name"]);
        Assert.Equal(".NET (C#)", (string?)kernelspec["display_name"]);
        Assert.Equal("C#", (string?)kernelspec["language"]);
        Assert.Equal("C#", (string?)notebook["metadata"]!["language_info"]!["name"]);
        foreach (JsonObject cell in Cells(notebook))
        {
            Assert.NotNull(cell["metadata"]);
            Assert.NotNull(cell["source"]);
            if ((string?)cell["cell_type"] != "code") continue;
            Assert.True(cell.ContainsKey("execution_count"));
            foreach (JsonObject output in Outputs(cell))
            {
                switch ((string?)output["output_type"])
                {
                    case "stream":
                        Assert.Contains((string?)output["name"], new[] { "stdout", "stderr" });
                        Assert.NotNull((string?)output["text"]);
                        break;
                    case "display_data":
                        Assert.NotNull(output["data"]!.AsObject());
                        Assert.NotNull(output["metadata"]!.AsObject());
                        break;
                    case "execute_result":
                        Assert.NotNull(output["data"]!.AsObject());
                        Assert.NotNull(output["metadata"]!.AsObject());
                        Assert.Equal((int)cell["execution_count"]!, (int)output["execution_count"]!);
                        break;
                    case "error":
                        Assert.NotNull((string?)output["ename"]);
                        Assert.NotNull((string?)output["evalue"]);
                        Assert.NotNull(output["traceback"]!.AsArray());
                        break;
                    default:
                        Assert.Fail($"Unknown output type {output["output_type"]}");
                        break;
                }
            }
        }
    }

    [Fact]
    public void Runs_cells_in_order_with_shared_state_injected_parameters_display_and_console_output()
    {
        (int code, string error) = Saliency("run", Repository.TestNotebook("basic.ipynb"), "--out", _out, "-p", "epochs=4", "-p", "learningRate=0.5", "-p", "verbose=true");

        Assert.True(code == 0, error);
        JsonObject notebook = Load(Path.Combine(_out, "basic.ipynb"));
        AssertValidNbformat4(notebook);
        List<JsonObject> cells = Cells(notebook);
        Assert.Equal(new[] { "markdown", "code", "code", "code", "code" }, cells.Select(c => (string?)c["cell_type"]).ToArray());
        JsonObject injected = cells[2];
        Assert.Equal("injected-parameters", (string?)injected["metadata"]!["tags"]![0]);
        string injectedSource = string.Concat(injected["source"]!.AsArray().Select(line => (string?)line));
        Assert.Contains("int epochs = 4;", injectedSource);
        Assert.Contains("double learningRate = 0.5d;", injectedSource);
        Assert.Contains("bool verbose = true;", injectedSource);
        Assert.Equal(new int?[] { 1, 2, 3, 4 }, cells.Skip(1).Select(c => (int?)c["execution_count"]).ToArray());

        JsonObject stream = Outputs(cells[3]).Single();
        Assert.Equal("stream", (string?)stream["output_type"]);
        Assert.Equal("epochs=4 lr=0.5 label=Omega verbose=True\n", (string?)stream["text"]);

        List<JsonObject> last = Outputs(cells[4]);
        Assert.Equal(new[] { "display_data", "stream", "execute_result" }, last.Select(o => (string?)o["output_type"]).ToArray());
        Assert.Equal("shown with display", (string?)last[0]["data"]!["text/plain"]);
        Assert.Equal("after display\n", (string?)last[1]["text"]);
        Assert.Contains("30", (string?)last[2]["data"]!["text/html"]); // 1 + 4 + 9 + 16: the injected epochs reached later cells
    }

    [Fact]
    public void Without_parameters_the_notebook_keeps_its_defaults_and_gets_no_injected_cell()
    {
        (int code, string error) = Saliency("run", Repository.TestNotebook("basic.ipynb"), "--out", _out);

        Assert.True(code == 0, error);
        List<JsonObject> cells = Cells(Load(Path.Combine(_out, "basic.ipynb")));
        Assert.Equal(4, cells.Count);
        Assert.Equal("epochs=2 lr=0.001 label=Omega verbose=False\n", (string?)Outputs(cells[2]).Single()["text"]);
    }

    [Theory]
    [InlineData("epochs=many", "'many' is not a valid int")]
    [InlineData("seed=3", "Parameter 'seed' is not declared")]
    public void Bad_parameters_fail_with_a_message(string parameter, string expected)
    {
        (int code, string error) = Saliency("run", Repository.TestNotebook("basic.ipynb"), "--out", _out, "-p", parameter);

        Assert.NotEqual(0, code);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void A_failing_cell_stops_the_run_with_its_number_and_error_saved_in_the_notebook()
    {
        (int code, string error) = Saliency("run", Repository.TestNotebook("failing.ipynb"), "--out", _out);

        Assert.Equal(1, code);
        Assert.Contains("cell 2 failed", error);
        Assert.Contains("deliberate failure in cell two", error);
        JsonObject notebook = Load(Path.Combine(_out, "failing.ipynb"));
        AssertValidNbformat4(notebook);
        List<JsonObject> cells = Cells(notebook);
        Assert.Equal("first cell ran\n", (string?)Outputs(cells[0]).Single()["text"]);
        List<JsonObject> failed = Outputs(cells[1]);
        Assert.Equal("second cell starts\n", (string?)failed[0]["text"]);
        Assert.Equal("error", (string?)failed[1]["output_type"]);
        Assert.Equal("System.InvalidOperationException", (string?)failed[1]["ename"]);
        Assert.Equal("deliberate failure in cell two", (string?)failed[1]["evalue"]);
        Assert.Null(cells[2]["execution_count"]);
        Assert.Empty(Outputs(cells[2]));
        Assert.Empty(Directory.GetFiles(_out, "*.tmp*"));
    }

    [Fact]
    public void A_compile_error_is_reported_with_the_cells_line()
    {
        string notebook = Path.Combine(_out, "input", "compile.ipynb");
        Directory.CreateDirectory(Path.GetDirectoryName(notebook)!);
        File.WriteAllText(notebook, """
            {"cells":[{"cell_type":"code","metadata":{},"execution_count":null,"outputs":[],"source":["int x = 1;\n","x = \"text\";"]}],
             "metadata":{},"nbformat":4,"nbformat_minor":5}
            """);

        (int code, string error) = Saliency("run", notebook, "--out", _out);

        Assert.Equal(1, code);
        Assert.Contains("cell 1 failed", error);
        Assert.Contains("(2,5): error CS0029", error);
    }

    [Fact]
    public void A_notebook_referencing_the_kit_gets_torch_the_formatters_charts_and_exported_figures()
    {
        (int code, string error) = Saliency("run", Repository.TestNotebook("kit.ipynb"), "--out", _out, "--figures");

        Assert.True(code == 0, error);
        JsonObject notebook = Load(Path.Combine(_out, "kit.ipynb"));
        AssertValidNbformat4(notebook);
        List<JsonObject> cells = Cells(notebook);
        List<JsonObject> torchCell = Outputs(cells[1]).Where(o => (string?)o["output_type"] != "display_data" || o["data"]!["text/html"] is not null).ToList();
        Assert.Contains(torchCell, o => (string?)o["text"] == "sum=15\n");
        Assert.Contains(torchCell, o => ((string?)o["data"]?["text/html"])?.StartsWith("<table class=\"saliency-table\"") == true);
        // The kit's views publish text/html and text/plain: the torch runtime report names the libtorch it loaded.
        JsonObject runtime = torchCell.Single(o => (string?)o["output_type"] == "execute_result");
        Assert.Contains("Torch runtime", (string?)runtime["data"]!["text/plain"]);
        Assert.Contains("libtorch_cpu.so", (string?)runtime["data"]!["text/html"]);

        List<JsonObject> chartCell = Outputs(cells[2]);
        Assert.Equal(new[] { "display_data", "execute_result" }, chartCell.Select(o => (string?)o["output_type"]).ToArray());
        string marker = PlotlyHtml.EscapeForScript(PlotlyHtml.PlotlyJs)[..400];
        string allHtml = string.Concat(cells.SelectMany(Outputs).Select(o => (string?)o["data"]?["text/html"]));
        Assert.Equal(1, allHtml.Split(marker).Length - 1); // plotly.js once per notebook
        Assert.Contains(marker, (string?)chartCell[0]["data"]!["text/html"]);

        // The live progress view was updated in place: the saved output is its final state.
        JsonObject progress = Outputs(cells[3]).Single();
        Assert.StartsWith("Training: 5/5 (100%)", (string?)progress["data"]!["text/plain"]);
        Assert.Contains("width:100.0%", (string?)progress["data"]!["text/html"]);

        string[] figures = Directory.GetFiles(Path.Combine(_out, "figures"), "*.html").Order().ToArray();
        Assert.Equal(new[] { "kit-cell03-1-mean-latent-distance.html", "kit-cell03-2-counts.html" }, figures.Select(Path.GetFileName).ToArray());
        // Each page loads the folder's one shared plotly.js file instead of inlining it.
        Assert.All(figures, path => Assert.Equal(0, File.ReadAllText(path).Split(marker).Length - 1));
        Assert.All(figures, path => Assert.Equal(1, File.ReadAllText(path).Split($"<script src=\"{PlotlyHtml.PlotlyJsFileName}\"").Length - 1));
        Assert.Contains(marker, PlotlyHtml.EscapeForScript(File.ReadAllText(Path.Combine(_out, "figures", PlotlyHtml.PlotlyJsFileName))));
    }

    [Fact]
    public async Task Relative_output_paths_are_the_callers_not_the_notebooks_folder()
    {
        Directory.CreateDirectory(_out);
        string original = Environment.CurrentDirectory;
        Environment.CurrentDirectory = _out;
        try
        {
            NotebookRunResult result = await NotebookRunner.RunAsync(new NotebookRunOptions
            {
                NotebookPath = Repository.TestNotebook("basic.ipynb"),
                OutputPath = Path.Combine("relative", "basic.ipynb"),
                RepositoryRoot = Repository.Root,
            });

            Assert.True(result.Succeeded, result.Failure?.ToString());
            Assert.Equal(Path.Combine(_out, "relative", "basic.ipynb"), result.OutputNotebook);
            Assert.True(File.Exists(result.OutputNotebook));
        }
        finally
        {
            Environment.CurrentDirectory = original;
        }
    }

    [Fact]
    public void A_kit_version_the_feed_does_not_have_fails_the_first_cell_with_nugets_reason()
    {
        (int code, string error) = Saliency("run", Repository.TestNotebook("missing-kit-version.ipynb"), "--out", _out);

        Assert.Equal(1, code);
        Assert.Contains("cell 1 failed", error);
        Assert.Contains("Saliency.Notebook", error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_repacked_kit_reaches_the_next_kernel_run(bool pinned)
    {
        // Two packs of the current sources with different build stamps: each run must see the one packed just before it,
        // although the NuGet global packages folder keeps every version it ever extracted and the kernel's dependency
        // manager caches the restore of a pinned reference (saliency run pins the floating one to the current pack).
        string notebook = Repository.TestNotebook("build-stamp.ipynb");
        try
        {
            foreach (string stamp in new[] { "first-" + Guid.NewGuid().ToString("N")[..6], "second-" + Guid.NewGuid().ToString("N")[..6] })
            {
                string version = KitPackage.VersionOf(KitPackage.Pack(Repository.Root, KitFeed.Folder, stamp));
                for (int run = 0; run < (pinned ? 2 : 1); run++) // pinned: the second run restores from the cache
                {
                    NotebookRunResult result = await NotebookRunner.RunAsync(new NotebookRunOptions
                    {
                        NotebookPath = notebook,
                        OutputPath = Path.Combine(_out, $"{stamp}-{run}.ipynb"),
                        RepositoryRoot = Repository.Root,
                        KitVersion = pinned ? version : null,
                    });
                    Assert.True(result.Succeeded, result.Failure?.ToString());
                    List<JsonObject> cells = Cells(Load(result.OutputNotebook));
                    Assert.Equal(pinned ? $"#r \"nuget: Saliency.Notebook, {version}\"" : "#r \"nuget: Saliency.Notebook, *-*\"",
                        NotebookDocument.Source(cells[0]));
                    JsonObject value = Outputs(cells[1]).Single();
                    Assert.Equal(stamp, (string?)value["data"]!["text/plain"]);
                }
            }
        }
        finally
        {
            KitPackage.Pack(Repository.Root, KitFeed.Folder); // leave a package of the plain sources in the feed
        }
    }
}
