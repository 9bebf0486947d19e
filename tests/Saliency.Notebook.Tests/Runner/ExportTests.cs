using System.IO.Compression;
using Saliency.Notebook.Display;
using Saliency.Notebook.Plots;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Runner;

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

    [Fact]
    public void A_chart_page_becomes_a_png_through_headless_chromium()
    {
        var chart = Charts.Bars(new[] { "East", "West", "South" }, new[] { 3.0, 1.0, 2.0 }, "runways");
        Figure figure = Figure.FromChart(chart, "runways");
        string html = Path.Combine(_folder, "runways.html");
        File.WriteAllText(html, figure.ToStandaloneHtml());

        string png = Path.Combine(_folder, "runways.png");
        ChromiumScreenshot.Capture(html, png, figure.Width + 40, figure.Height + 40);

        byte[] bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes[..4]);
        Assert.True(bytes.Length > 5_000, $"the screenshot is as small as a blank page ({bytes.Length} bytes; blank: about 2.3 KB): nothing drawn?");
        // Width and height are in the IHDR chunk (big-endian) at bytes 16..23.
        Assert.Equal(figure.Width + 40, (bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19]);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp-*"));
    }

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
