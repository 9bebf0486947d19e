using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>
/// The four paper notebooks, as committed, executed by a real Jupyter client (Debian's jupyter-nbconvert with
/// nbclient) in the stock .NET Interactive kernel (the pinned dotnet-interactive tool and the kernelspec it
/// installs), exactly as a user runs them; then the executed notebook rendered to HTML and opened in chromium, where
/// every figure must be drawn by plotly.js.
/// </summary>
[Collection(NotebookSessionCollection.Name)]
public sealed class JupyterKernelTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "saliency-jupyter-" + Guid.NewGuid().ToString("N")[..8]);

    public JupyterKernelTests()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "kernels"));
        KitFeed.EnsurePacked();
        _ = TestData.DataDirectory; // the notebooks read the repository's data/
        Run("dotnet", Repository.Root, "tool", "restore");
        Run("dotnet", Repository.Root, "tool", "run", "dotnet-interactive", "--", "jupyter", "install", "--path", Path.Combine(_folder, "kernels"));
        Assert.True(File.Exists(Path.Combine(_folder, "kernels", ".net-csharp", "kernel.json")), "dotnet interactive jupyter install wrote no .net-csharp kernelspec");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Run(string program, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["JUPYTER_PATH"] = _folder;
        start.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{output}\n{error.Result}");
        return output + error.Result;
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonArray lines => string.Concat(lines.Select(line => (string?)line)),
        _ => (string?)node ?? "",
    };

    [Theory]
    [InlineData("symbols")]
    [InlineData("eog")]
    [InlineData("aircraft")]
    [InlineData("aircraft-flyover")]
    public async Task A_paper_notebook_runs_in_the_stock_kernel_through_jupyter_and_its_figures_draw(string dataset)
    {
        string notebookFolder = Path.Combine(Repository.Root, "notebooks", dataset);
        Run("jupyter", notebookFolder, "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=.net-csharp",
            "--ExecutePreprocessor.timeout=1200", "--output-dir", _folder, dataset + ".ipynb");
        string executedPath = Path.Combine(_folder, dataset + ".ipynb");
        JsonObject executed = JsonNode.Parse(File.ReadAllText(executedPath))!.AsObject();

        var codeCells = executed["cells"]!.AsArray().Select(c => c!.AsObject()).Where(c => (string?)c["cell_type"] == "code").ToList();
        int figureCells = 0;
        foreach ((JsonObject cell, int number) in codeCells.Select((c, i) => (c, i + 1)))
        {
            string source = Text(cell["source"]);
            var outputs = cell["outputs"]!.AsArray().Select(o => o!.AsObject()).ToList();
            Assert.True(outputs.All(o => (string?)o["output_type"] != "error"),
                $"{dataset} code cell {number} erred in the kernel: {string.Join("\n", outputs.Where(o => (string?)o["output_type"] == "error").Select(o => $"{o["ename"]}: {o["evalue"]}"))}");
            string html = string.Concat(outputs.Select(o => Text(o["data"]?["text/html"])));
            if (source.Contains("Views.", StringComparison.Ordinal) || source.Contains("GlobalSaliencySteps.", StringComparison.Ordinal)
                || source.TrimEnd().EndsWith("torchRuntime", StringComparison.Ordinal))
            {
                // The kit's own views rendered (every step of the method shows its result in its own cell) (not .NET's default object table), with a text/plain fallback.
                Assert.True(html.Contains("saliency-view", StringComparison.Ordinal) || html.Contains("saliency-table", StringComparison.Ordinal),
                    $"{dataset} code cell {number}: no kit view or table in its output");
                Assert.DoesNotContain("dni-treeview", html);
                Assert.Contains(outputs, o => Text(o["data"]?["text/plain"]).Length > 0);
            }
            if (html.Contains("class=\"saliency-plot\"", StringComparison.Ordinal))
            {
                figureCells++;
                Assert.Contains("Plotly.newPlot(", html);
            }
        }
        Assert.True(figureCells >= 5, $"{dataset}: only {figureCells} cells show figures");
        if (dataset == "symbols")
        {
            // The authors' checkpoint is the default: the paper's explained variance (0.2459 / 0.2368, original-method.md §6.2).
            string all = string.Concat(codeCells.SelectMany(c => c["outputs"]!.AsArray()).Select(o => Text(o!["data"]?["text/plain"])));
            Assert.Contains("PC1 24.6 %, PC2 23.7 %", all);
            Assert.Contains("lightning-checkpoint:", all);
        }

        // A person opens the executed notebook: every plot div must be drawn by plotly.js (an SVG inside it).
        Run("jupyter", _folder, "nbconvert", "--to", "html", executedPath);
        string page = Path.ChangeExtension(executedPath, ".html");
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumScreenshot.FindChromium(),
            Headless = true,
            Args = new[] { "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync" },
        });
        IPage tab = await browser.NewPageAsync();
        var errors = new List<string>();
        tab.PageError += (_, error) => errors.Add(error);
        await tab.GotoAsync(new Uri(page).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load, Timeout = 120_000 });
        int plots = await tab.EvaluateAsync<int>("() => document.querySelectorAll('.saliency-plot').length");
        await tab.WaitForFunctionAsync("() => [...document.querySelectorAll('.saliency-plot')].every(p => p.querySelector('svg.main-svg'))",
            null, new PageWaitForFunctionOptions { Timeout = 120_000 });
        Assert.True(plots >= figureCells, $"{dataset}: {plots} plot divs in the rendered notebook");
        Assert.Empty(errors);
    }

    [Fact]
    public void A_live_view_updated_through_display_ends_in_its_final_state_under_jupyter()
    {
        Run("jupyter", Path.GetDirectoryName(Repository.TestNotebook("kit.ipynb"))!, "nbconvert", "--to", "notebook", "--execute",
            "--ExecutePreprocessor.kernel_name=.net-csharp", "--ExecutePreprocessor.timeout=600", "--output-dir", _folder, "kit.ipynb");
        JsonObject executed = JsonNode.Parse(File.ReadAllText(Path.Combine(_folder, "kit.ipynb")))!.AsObject();
        var cells = executed["cells"]!.AsArray().Select(c => c!.AsObject()).ToList();

        JsonObject progress = cells[3]["outputs"]!.AsArray().Select(o => o!.AsObject()).Single();
        Assert.StartsWith("Training: 5/5 (100%)", Text(progress["data"]!["text/plain"]));
        Assert.Contains("width:100.0%", Text(progress["data"]!["text/html"]));
        Assert.Contains("libtorch_cpu.so", string.Concat(cells[1]["outputs"]!.AsArray().Select(o => Text(o!["data"]?["text/html"]))));
    }
}
