using System.Text;
using System.IO.Compression;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Saliency.Notebook.Display;
using Saliency.Notebook.Plots;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Runner;

[Collection(NotebookSessionCollection.Name)] // the export test starts a plotly.js session
public sealed class ExportTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "saliency-export-" + Guid.NewGuid().ToString("N")[..8]);

    public ExportTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_notebook_run_packs_the_kit_when_the_feed_has_none_or_an_older_one_and_reuses_a_current_one()
    {
        (string first, bool packedFirst) = KitPackage.EnsureCurrent(Repository.Root, _folder);
        Assert.True(packedFirst);
        Assert.True(File.GetLastWriteTimeUtc(first) >= KitPackage.LastSourceChange(Repository.Root));

        (string again, bool packedAgain) = KitPackage.EnsureCurrent(Repository.Root, _folder);
        Assert.False(packedAgain);
        Assert.Equal(first, again);

        // A package older than the kit's last source change is stale: the next run packs the sources anew.
        File.SetLastWriteTimeUtc(first, KitPackage.LastSourceChange(Repository.Root).AddMinutes(-1));
        (string fresh, bool packedFresh) = KitPackage.EnsureCurrent(Repository.Root, _folder);
        Assert.True(packedFresh);
        Assert.NotEqual(first, fresh);
        Assert.False(File.Exists(first));
    }

    [Fact]
    public void The_kit_package_carries_the_extension_where_dotnet_interactive_looks()
    {
        string package = KitPackage.Pack(Repository.Root, _folder);

        Assert.Matches(@"^Saliency\.Notebook\.0\.1\.0-dev\.\d{17}\.nupkg$", Path.GetFileName(package));
        using ZipArchive archive = ZipFile.OpenRead(package);
        ZipArchiveEntry entry = Assert.Single(archive.Entries, e => e.FullName == "interactive-extensions/dotnet/extension.dib");
        using var reader = new StreamReader(entry.Open());
        string dib = reader.ReadToEnd();
        Assert.Contains("Saliency.Notebook.Interactive.NotebookDisplay.Register();", dib);
        Assert.Contains("using static Saliency.Notebook.Interactive.NotebookKernel;", dib);
        Assert.True(dib.Split('\n').Count(line => line.Trim().Length > 0 && !line.StartsWith("#!") && !line.StartsWith("{")) <= 2, "the extension is compiled code: its .dib is two lines");
        Assert.DoesNotContain("Reflection", dib);
        Assert.Contains(archive.Entries, e => e.FullName == "lib/net10.0/Saliency.Notebook.dll");
        // The kit references TorchSharp only: the notebook brings the libtorch backend (two backends conflict).
        ZipArchiveEntry nuspec = Assert.Single(archive.Entries, e => e.FullName.EndsWith(".nuspec"));
        using var nuspecReader = new StreamReader(nuspec.Open());
        string manifest = nuspecReader.ReadToEnd();
        Assert.Contains("id=\"TorchSharp\"", manifest);
        Assert.DoesNotContain("libtorch", manifest);
        Assert.DoesNotContain("TorchSharp-cuda", manifest);
        Assert.DoesNotContain("FSharp", manifest);
        Assert.DoesNotContain("Plotly", manifest);
        Assert.DoesNotContain("id=\"Microsoft.DotNet.Interactive\"", manifest);            // the kernel adapter compiles against the kernel only
        Assert.DoesNotContain("Microsoft.DotNet.Interactive.PackageManagement", manifest);
    }

    /// <summary>An executed notebook as the runner writes it: cell 1 shows one chart (with plotly.js inline, the session's first), cell 2 a view of two.</summary>
    private string ExecutedNotebook(out Figure[] figures)
    {
        PlotlyHtml.StartNotebookSession(PlotlyJsSource.Inline);
        figures = new[]
        {
            Figure.FromChart(Charts.Bars(new[] { "East", "West", "South" }, new[] { 3.0, 1.0, 2.0 }, "runways", yTitle: "landings"), "runways"),
            Figure.FromChart(Charts.Lines(new[] { 1.0, 2, 3 }, new Dictionary<string, double[]> { ["loss"] = new[] { 3.0, 2, 1 } }, "loss", "epoch", "loss"), "loss"),
            Figure.FromChart(Charts.DatasetSeries(new[] { new[] { 0.0, 1, 0 }, new[] { 1.0, 0, 1 } }, new[] { "3", "6" }), "series"),
        };
        JsonObject Output(string html) => new()
        {
            ["output_type"] = "display_data", ["metadata"] = new JsonObject(), ["data"] = new JsonObject { ["text/html"] = html, ["text/plain"] = "figure" },
        };
        JsonObject Cell(params JsonObject[] outputs) => new()
        {
            ["cell_type"] = "code", ["metadata"] = new JsonObject(), ["source"] = "", ["execution_count"] = 1, ["outputs"] = new JsonArray(outputs),
        };
        var notebook = new JsonObject
        {
            ["nbformat"] = 4, ["nbformat_minor"] = 5, ["metadata"] = new JsonObject(),
            ["cells"] = new JsonArray(Cell(Output(PlotlyHtml.NotebookFragment(figures[0]))), Cell(Output(PlotlyHtml.NotebookFragment(figures[1]) + "\n" + PlotlyHtml.NotebookFragment(figures[2])))),
        };
        string path = Path.Combine(_folder, "nb.ipynb");
        File.WriteAllText(path, notebook.ToJsonString());
        return path;
    }

    [Fact]
    public async Task One_browser_exports_every_figure_of_a_notebook_and_the_notebook_then_carries_their_images()
    {
        string path = ExecutedNotebook(out Figure[] figures);
        string folder = Path.Combine(_folder, "figures");

        IReadOnlyList<ExportedFigure> pages = FigureExport.Write(NotebookDocument.Load(path), folder, "nb");

        // Three pages that share one plotly.js file beside them.
        Assert.Equal(new[] { "nb-cell01-1-runways.html", "nb-cell02-1-loss.html", "nb-cell02-2-series.html" }, pages.Select(page => Path.GetFileName(page.HtmlPath)));
        Assert.Equal(PlotlyHtml.PlotlyJs, File.ReadAllText(Path.Combine(folder, PlotlyHtml.PlotlyJsFileName)));
        Assert.All(pages, page =>
        {
            string html = File.ReadAllText(page.HtmlPath);
            Assert.Contains("<script src=\"plotly.min.js\"", html);
            Assert.True(html.Length < 20_000, $"{page.Name}: {html.Length} characters; plotly.js inlined?");
        });

        var embedded = new Dictionary<string, byte[]>();
        await using (FigureBrowser browser = await FigureBrowser.StartAsync())
            foreach (ExportedFigure page in pages)
            {
                FigureImages images = await browser.ExportAsync(page);
                byte[] png = File.ReadAllBytes(images.PngPath);
                Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
                Assert.True(png.Length > 5_000, $"the screenshot is as small as a blank page ({png.Length} bytes): nothing drawn?");
                Assert.Equal((page.Width + 40) * 2, PngWidth(png));                                      // 2× the page's window
                Assert.Equal("RIFF", Encoding.ASCII.GetString(images.EmbeddedWebp[..4]));
                Assert.StartsWith("WEBPVP8", Encoding.ASCII.GetString(images.EmbeddedWebp[8..16]));
                Assert.Equal(page.Width, WebpWidth(images.EmbeddedWebp));                                // the figure alone, 1×
                Assert.StartsWith("<svg", File.ReadAllText(images.SvgPath!));
                Assert.Contains("class=\"main-svg\"", File.ReadAllText(images.SvgPath!));
                embedded[Path.GetFileName(page.HtmlPath)] = images.EmbeddedWebp;
            }

        NotebookDocument notebook = NotebookDocument.Load(path);
        Assert.Equal(3, StaticFallback.Embed(notebook, "nb", embedded));
        var outputs = notebook.Cells.Select(cell => cell!["outputs"]![0]!["data"]!.AsObject()).ToList();
        // Every figure's div holds its image, once: no second copy as a MIME entry.
        Assert.All(outputs, data => Assert.Equal(new[] { "text/html", "text/plain" }, data.Select(entry => entry.Key).Order()));
        Assert.Contains(Convert.ToBase64String(embedded["nb-cell01-1-runways.html"]), (string)outputs[0]["text/html"]!);
        Assert.All(outputs.Zip(new[] { 1, 2 }), pair => Assert.Equal(pair.Second, Regex.Matches((string)pair.First["text/html"]!,
            @"class=""saliency-plot""[^>]*><img class=""saliency-static"" alt=""[^""]+"" src=""data:image/webp;base64,").Count));
        // plotly.js comes from the CDN, once: the notebook is light, and offline its images show.
        string all = string.Concat(outputs.Select(data => (string)data["text/html"]!));
        Assert.DoesNotContain(PlotlyHtml.EscapeForScript(PlotlyHtml.PlotlyJs)[..400], all);
        Assert.Equal(1, all.Split(PlotlyHtml.CdnUrl).Length - 1);
    }

    private static int PngWidth(byte[] png) => (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19];   // IHDR, big-endian

    /// <summary>
    /// A WebP's width: in an extended file (VP8X chunk) the canvas width − 1 in 24 bits, little-endian, at byte 24; in a simple lossy
    /// one (VP8 chunk) 14 bits of the frame header at byte 26.
    /// </summary>
    private static int WebpWidth(byte[] webp) => webp[15] == (byte)'X'
        ? 1 + (webp[24] | (webp[25] << 8) | (webp[26] << 16))
        : (webp[26] | (webp[27] << 8)) & 0x3FFF;

    [Fact]
    public void Reproduce_refuses_missing_dataset_folders_and_empty_ones()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "notebooks", "eog"));
        Directory.CreateDirectory(Path.Combine(_folder, "notebooks", "symbols"));
        File.WriteAllText(Path.Combine(_folder, "notebooks", "symbols", "pca.ipynb"), "{}");

        var e = Assert.Throws<FileNotFoundException>(() => Reproduction.Plan(Path.Combine(_folder, "notebooks"), new[] { "symbols", "eog", "aircraft", "birds" }));

        Assert.Contains("eog has no notebooks", e.Message);
        Assert.Contains("aircraft does not exist", e.Message);
        Assert.Contains("unknown dataset 'birds'", e.Message);
        var plan = Reproduction.Plan(Path.Combine(_folder, "notebooks"), new[] { "symbols" });
        Assert.Equal(("symbols", Path.Combine(_folder, "notebooks", "symbols", "pca.ipynb")), Assert.Single(plan));
    }
}
