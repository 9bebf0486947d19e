#:package Microsoft.Playwright
#:property JsonSerializerIsReflectionEnabledByDefault=true
#:property PublishAot=false
// Time to first paint of figure pages in Debian's chromium: from navigation until the figure has drawn (a plotly plot's
// main-svg, or the brushing tool's state) and two frames have passed; the median of --loads fresh loads per page.
// usage: PLAYWRIGHT_DRIVER_SEARCH_PATH=artifacts/cli dotnet run tests/bench/first-paint.cs -- [--loads 5] PAGE.html...
// (the driver ships with the tool's build under artifacts/cli; build it once with ./saliency --help)
using System.Diagnostics;
using Microsoft.Playwright;

int loads = 5;
var pages = new List<string>();
for (int i = 0; i < args.Length; i++)
    if (args[i] == "--loads") loads = int.Parse(args[++i]);
    else pages.Add(Path.GetFullPath(args[i]));
using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = new[] { "--no-sandbox", "--disable-gpu" } });
const string Drawn = "() => !!(document.querySelector('.js-plotly-plot .main-svg') || document.querySelector('.saliency-brushing')?.saliencyState)";
const string TwoFrames = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))";
foreach (string page in pages)
{
    var seconds = new List<double>();
    for (int load = 0; load < loads; load++)
    {
        await using var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 1200 } });
        var tab = await context.NewPageAsync();
        var clock = Stopwatch.StartNew();
        await tab.GotoAsync(new Uri(page).AbsoluteUri);
        await tab.WaitForFunctionAsync(Drawn, null, new() { Timeout = 60_000, PollingInterval = 10 });
        await tab.EvaluateAsync(TwoFrames);
        seconds.Add(clock.Elapsed.TotalSeconds);
    }
    seconds.Sort();
    Console.WriteLine($"{seconds[seconds.Count / 2],7:F3} s median of {loads} ({seconds[0]:F3}–{seconds[^1]:F3})  {new FileInfo(page).Length / 1e6,6:F2} MB  {Path.GetFileName(page)}");
}
