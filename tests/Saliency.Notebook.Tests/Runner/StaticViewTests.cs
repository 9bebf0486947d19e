using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Saliency.Notebook.Display;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>
/// The committed notebooks read where no script runs, as GitHub and nbviewer show them: Jupyter's own nbconvert (Debian's)
/// renders each to HTML, every script is stripped, and chromium, with JavaScript off, shows every figure as its image.
/// </summary>
public sealed partial class StaticViewTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("static-view-").FullName;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumScreenshot.FindChromium(), Headless = true,
            Args = new[] { "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync" },
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    public static TheoryData<string> Notebooks => NotebookStructureTests.AllNotebooks;

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task Nbconvert_without_scripts_shows_every_figure_of_a_committed_notebook_as_an_image(string name)
    {
        string notebook = Path.Combine(TestData.RepoRoot, "notebooks", name + ".ipynb");
        int figures = NotebookDocument.Load(notebook).Cells.OfType<JsonObject>()
            .SelectMany(cell => cell["outputs"]?.AsArray().OfType<JsonObject>() ?? [])
            .Sum(output => output["data"]?["text/html"] is JsonNode html ? FigureFiles.Find(html is JsonArray lines ? string.Concat(lines.Select(l => (string?)l)) : (string)html!).Count : 0);
        string html = Script().Replace(Nbconvert(notebook), "");
        string page = Path.Combine(_folder, Path.GetFileName(name) + ".html");
        await File.WriteAllTextAsync(page, html);

        await using IBrowserContext context = await _browser.NewContextAsync(new BrowserNewContextOptions { JavaScriptEnabled = false, ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        IPage view = await context.NewPageAsync();
        await view.GotoAsync(new Uri(page).AbsoluteUri);
        await view.WaitForLoadStateAsync(LoadState.Load);

        // Every figure's image decoded and laid out at its size: a reader sees the figure, not an empty frame.
        var images = await view.Locator("img.saliency-static").AllAsync();
        Assert.Equal(figures, images.Count);
        Assert.True(figures >= 5, $"{name}: {figures} figures");
        foreach (ILocator image in images)
        {
            int width = await image.EvaluateAsync<int>("img => img.complete ? img.naturalWidth : 0");
            Assert.True(width > 200, $"{name}: an image of {width} px did not decode");
            Assert.True((await image.BoundingBoxAsync())!.Height > 100, $"{name}: an image is not laid out");
        }
        Assert.Equal(0, await view.Locator("script").CountAsync());
    }

    private string Nbconvert(string notebook)
    {
        var start = new ProcessStartInfo("jupyter") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder };
        foreach (string argument in new[] { "nbconvert", "--to", "html", "--stdout", notebook }) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"jupyter nbconvert exited {process.ExitCode}: {error.Result}");
        return output;
    }

    [GeneratedRegex(@"<script\b[^>]*>.*?</script>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Script();
}
