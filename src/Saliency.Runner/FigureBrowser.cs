using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Saliency.Notebook.Display;
using Saliency.Notebook.IO;

namespace Saliency.Runner;

/// <summary>
/// What the export of one figure wrote: its PNG (2×, for papers), its SVG when it is a single plot, and a 1× WebP (quality
/// <see cref="FigureBrowser.EmbeddedWebpQuality"/>) to embed in the notebook: on the kit's figures a fifth of the PNG's bytes and
/// 40 % of a JPEG's, with text as sharp; every browser (so every notebook viewer) shows it.
/// </summary>
public sealed record FigureImages(string PngPath, string? SvgPath, byte[] EmbeddedWebp);

/// <summary>
/// Exports figures to PNG and SVG in ONE headless chromium (Debian's, driven by Microsoft.Playwright over the DevTools
/// protocol): one page loads plotly.js once, then each figure's body is put into it in turn, drawn, screenshotted and, for a
/// single plot, written as SVG by plotly.js's own <c>Plotly.toImage</c>. A browser start and a 4.5 MB parse of plotly.js per
/// figure (what one chromium process per screenshot cost) are paid once per run. Mode bars are hidden in the images, the
/// brushing tool's too.
/// </summary>
public sealed partial class FigureBrowser : IAsyncDisposable
{
    private const string ExportPage =
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body{margin:8px;font-family:sans-serif;background:#fff}" +
        "#saliency-export{display:inline-block}.modebar-container{display:none!important}</style></head><body><div id=\"saliency-export\"></div></body></html>";

    // Puts a figure body into the page and runs its scripts (scripts set through innerHTML do not run), then waits two frames.
    private const string ShowFigure =
        "async body => { const host = document.getElementById('saliency-export');" +
        " host.querySelectorAll('.js-plotly-plot').forEach(el => Plotly.purge(el)); host.innerHTML = body;" +
        " for (const old of Array.from(host.querySelectorAll('script'))) { const s = document.createElement('script');" +
        " for (const a of Array.from(old.attributes)) s.setAttribute(a.name, a.value); s.textContent = old.textContent; old.replaceWith(s); }" +
        " await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done))); }";

    private const string PlotToSvg =
        "async () => { const el = document.querySelector('#saliency-export .saliency-plot');" +
        " return await Plotly.toImage(el, { format: 'svg', width: el.offsetWidth, height: el.offsetHeight }); }";

    /// <summary>WebP quality (0–1, chromium's encoder) of the images embedded in notebooks: text and lines stay sharp to the eye at 1×.</summary>
    public const double EmbeddedWebpQuality = 0.8;

    // Re-encodes a PNG (base64) as WebP with the page's canvas: chromium encodes WebP, Playwright's screenshots only PNG and JPEG.
    private const string PngToWebp =
        "async ([png, quality]) => { const blob = await (await fetch('data:image/png;base64,' + png)).blob(); const bitmap = await createImageBitmap(blob);" +
        " const canvas = document.createElement('canvas'); canvas.width = bitmap.width; canvas.height = bitmap.height;" +
        " canvas.getContext('2d').drawImage(bitmap, 0, 0); return canvas.toDataURL('image/webp', quality); }";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly IPage _page;

    private FigureBrowser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        _page = page;
    }

    /// <summary>Starts chromium (<see cref="ChromiumScreenshot.FindChromium"/>) with one page that has plotly.js loaded, at 2 device pixels per CSS pixel.</summary>
    public static async Task<FigureBrowser> StartAsync()
    {
        string chromium = ChromiumScreenshot.FindChromium();
        IPlaywright playwright = await Playwright.CreateAsync();
        try
        {
            IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = new[] { "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars" },
            });
            IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { DeviceScaleFactor = 2, ViewportSize = new ViewportSize { Width = 800, Height = 600 } });
            await page.SetContentAsync(ExportPage);
            await page.AddScriptTagAsync(new PageAddScriptTagOptions { Content = PlotlyHtml.PlotlyJs });
            return new FigureBrowser(playwright, browser, page);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Draws the figure of the page <paramref name="figure"/> and writes its PNG (2×, the figure with a 20 px margin, as the page
    /// shows it) and, for a single plot, its SVG next to the page; returns them with a 1× WebP of the figure alone for the notebook.
    /// </summary>
    public async Task<FigureImages> ExportAsync(ExportedFigure figure)
    {
        string body = FigureFiles.Find(await File.ReadAllTextAsync(figure.HtmlPath)).Single().Body;
        var errors = new List<string>();
        void OnError(object? sender, string error) => errors.Add(error);
        _page.PageError += OnError;
        try
        {
            await _page.SetViewportSizeAsync(figure.Width + 40, figure.Height + 40);
            await _page.EvaluateAsync(ShowFigure, body);
        }
        finally
        {
            _page.PageError -= OnError;
        }
        if (errors.Count > 0) throw new InvalidOperationException($"The figure '{figure.Name}' failed to draw in chromium: {string.Join("; ", errors)}");
        string png = Path.ChangeExtension(figure.HtmlPath, ".png");
        AtomicFile.Write(png, await _page.ScreenshotAsync(new PageScreenshotOptions { Type = ScreenshotType.Png }));
        byte[] figurePng = await _page.Locator("#saliency-export").ScreenshotAsync(new LocatorScreenshotOptions { Type = ScreenshotType.Png, Scale = ScreenshotScale.Css });
        string webp = await _page.EvaluateAsync<string>(PngToWebp, new object[] { Convert.ToBase64String(figurePng), EmbeddedWebpQuality });
        const string webpPrefix = "data:image/webp;base64,";
        if (!webp.StartsWith(webpPrefix, StringComparison.Ordinal)) throw new InvalidOperationException($"chromium encoded no WebP for '{figure.Name}'.");
        byte[] embedded = Convert.FromBase64String(webp[webpPrefix.Length..]);
        string? svg = null;
        if (body.Split("class=\"saliency-plot\"").Length == 2)
        {
            string url = await _page.EvaluateAsync<string>(PlotToSvg);
            Match match = SvgDataUrl().Match(url);
            if (!match.Success) throw new InvalidOperationException($"plotly.js exported no SVG for '{figure.Name}'.");
            svg = Path.ChangeExtension(figure.HtmlPath, ".svg");
            AtomicFile.WriteAllText(svg, Uri.UnescapeDataString(match.Groups["svg"].Value));
        }
        return new FigureImages(png, svg, embedded);
    }

    /// <summary>Closes the page, chromium and the Playwright driver.</summary>
    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [GeneratedRegex(@"^data:image/svg\+xml,(?<svg>.*)$", RegexOptions.Singleline)]
    private static partial Regex SvgDataUrl();
}
