using System.Diagnostics;
using Saliency.Notebook.IO;

namespace Saliency.Runner;

/// <summary>
/// PNG export of an HTML page through Debian's headless chromium (there is no Kaleido here): the page's scripts run
/// under a virtual time budget, then chromium writes a screenshot of the given window size.
/// </summary>
public static class ChromiumScreenshot
{
    /// <summary>How to get chromium where it is missing.</summary>
    public const string InstallHint = "install it with `apt-get update && apt-get install -y chromium` (Debian/Ubuntu), or put a chromium binary on PATH";

    /// <summary>The chromium binary on PATH; throws with the install command when there is none.</summary>
    public static string FindChromium()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (string name in new[] { "chromium", "chromium-browser" })
            {
                string candidate = Path.Combine(directory, name);
                if (File.Exists(candidate)) return candidate;
            }
        throw new FileNotFoundException($"PNG export needs chromium, which is not on PATH: {InstallHint}.");
    }

    /// <summary>
    /// Screenshots <paramref name="htmlPath"/> into <paramref name="pngPath"/> at <paramref name="width"/> × <paramref name="height"/>
    /// CSS pixels, <paramref name="scale"/> device pixels per CSS pixel (2 for print).
    /// </summary>
    public static void Capture(string htmlPath, string pngPath, int width, int height, TimeSpan? timeout = null, int scale = 1)
    {
        string chromium = FindChromium();
        string profile = Path.Combine(Path.GetTempPath(), "saliency-chromium-" + Guid.NewGuid().ToString("N"));
        string target = Path.GetFullPath(pngPath);
        string temporary = target + ".tmp-" + Guid.NewGuid().ToString("N")[..8] + ".png";
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var start = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--hide-scrollbars", $"--user-data-dir={profile}", $"--screenshot={temporary}",
                     $"--window-size={width},{height}", $"--force-device-scale-factor={scale}", "--virtual-time-budget=5000", new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri,
                 })
            start.ArgumentList.Add(argument);
        try
        {
            using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {chromium}.");
            Task<string> errors = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish the screenshot of {htmlPath} in time.");
            }
            if (process.ExitCode != 0 || !File.Exists(temporary))
                throw new InvalidOperationException($"chromium could not screenshot {htmlPath} (exit {process.ExitCode}): {errors.Result.Trim()}");
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
            if (Directory.Exists(profile)) Directory.Delete(profile, recursive: true);
        }
    }

    /// <summary>
    /// Writes the single plotly.js plot of <paramref name="htmlPath"/> as SVG (vector, for papers) through plotly.js's
    /// own <c>Plotly.toImage</c> in headless chromium. Returns false, writing nothing, when the page has no single plot
    /// (e.g. the three-panel brushing tool).
    /// </summary>
    public static bool CaptureSvg(string htmlPath, string svgPath, TimeSpan? timeout = null)
    {
        string page = File.ReadAllText(htmlPath);
        if (page.Split("class=\"saliency-plot\"").Length != 2) return false;
        string probe = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(htmlPath))!, ".svg-" + Guid.NewGuid().ToString("N")[..8] + ".html");
        const string exporter = "<script>window.addEventListener('load',function(){var el=document.querySelector('.saliency-plot');" +
                                "Plotly.toImage(el,{format:'svg',width:el.offsetWidth,height:el.offsetHeight}).then(function(url){" +
                                "var out=document.createElement('pre');out.id='saliency-svg';out.textContent=url;document.body.appendChild(out);});});</script>";
        File.WriteAllText(probe, page.Replace("</body>", exporter + "</body>", StringComparison.Ordinal));
        string chromium = FindChromium();
        string profile = Path.Combine(Path.GetTempPath(), "saliency-chromium-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom",
                     new Uri(probe).AbsoluteUri,
                 })
            start.ArgumentList.Add(argument);
        try
        {
            using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {chromium}.");
            Task<string> errors = process.StandardError.ReadToEndAsync();
            string dom = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish the SVG export of {htmlPath} in time.");
            }
            var match = System.Text.RegularExpressions.Regex.Match(dom, "<pre id=\"saliency-svg\">data:image/svg\\+xml,([^<]*)</pre>");
            if (!match.Success) throw new InvalidOperationException($"plotly.js exported no SVG from {htmlPath}: {errors.Result.Trim()}");
            string svg = Uri.UnescapeDataString(System.Net.WebUtility.HtmlDecode(match.Groups[1].Value));
            AtomicFile.WriteAllText(svgPath, svg);
            return true;
        }
        finally
        {
            File.Delete(probe);
            if (Directory.Exists(profile)) Directory.Delete(profile, recursive: true);
        }
    }
}
