using System.Text.Json;
using Microsoft.Playwright;
using Saliency.Notebook.Display;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Display;

/// <summary>
/// Opens the brushing tool in Debian's chromium through Playwright: the plots draw, a selection recomputes the
/// maps, and the page's binning + Gaussian filter match a naive C# transcription of scipy's semantics.
/// tests/run.sh installs chromium; without it these tests fail (they are not skipped).
/// </summary>
public sealed class BrushingToolBrowserTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "saliency-brushing-" + Guid.NewGuid().ToString("N")[..8]);
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        string chromium;
        try
        {
            chromium = ChromiumScreenshot.FindChromium();
        }
        catch (FileNotFoundException e)
        {
            throw new InvalidOperationException("These browser tests need Debian's chromium: " + e.Message, e);
        }
        Directory.CreateDirectory(_folder);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = new[] { "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync" },
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static (double[][] Scores, double[][] Series, double[][] Weights, string[] Labels) Sample(int n = 60, int length = 40)
    {
        string[] classes = { "3", "6", "7" };
        var labels = Enumerable.Range(0, n).Select(i => classes[i % 3]).ToArray();
        var series = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, length).Select(t => Math.Sin(t / 5.0 + i % 3) * (1 + 0.01 * i)).ToArray()).ToArray();
        // Sample i is salient around time step i % length: different selections give different maps.
        var weights = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, length).Select(t => Math.Exp(-Math.Pow((t - i % length) / 3.0, 2))).ToArray()).ToArray();
        var scores = Enumerable.Range(0, n).Select(i => new[] { (double)i, (i % 3) * 1.0 }).ToArray();
        return (scores, series, weights, labels);
    }

    private async Task<IPage> Open(string html)
    {
        string path = Path.Combine(_folder, "page-" + Guid.NewGuid().ToString("N")[..6] + ".html");
        await File.WriteAllTextAsync(path, html);
        IPage page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync(new Uri(path).AbsoluteUri);
        await page.WaitForFunctionAsync("() => document.querySelector('.saliency-brushing') && document.querySelector('.saliency-brushing').saliencyState");
        Assert.Empty(errors);
        return page;
    }

    [Fact]
    public async Task The_tool_draws_three_plots_and_a_selection_recomputes_the_maps()
    {
        var (scores, series, weights, labels) = Sample();
        IPage page = await Open(BrushingTool.Html(scores, series, weights, labels, new BrushingOptions { GridSize = 30, Sigma = 2 }));

        foreach (string panel in new[] { "curves", "scores", "map" })
        {
            int svgs = await page.EvaluateAsync<int>($"() => document.querySelectorAll('.saliency-brushing-{panel} svg.main-svg').length");
            Assert.True(svgs > 0, $"the {panel} panel has no plotly svg");
        }
        Assert.Equal(3, await page.EvaluateAsync<int>("() => document.querySelector('.saliency-brushing-map').data.filter(t => t.type === 'heatmap').length"));
        Assert.True(await page.EvaluateAsync<int>("() => document.querySelectorAll('.saliency-brushing-map .heatmaplayer image, .saliency-brushing-map .hm image').length") > 0);
        // Reversed: plotly turns autorange 'reversed' into a descending range.
        Assert.True(await page.EvaluateAsync<bool>("() => { const r = document.querySelector('.saliency-brushing-scores')._fullLayout.xaxis.range; return r[0] > r[1]; }"));
        Assert.Equal("select", await page.EvaluateAsync<string>("() => document.querySelector('.saliency-brushing-scores').layout.dragmode"));
        Assert.Equal(60, await page.EvaluateAsync<int>("() => document.querySelector('.saliency-brushing').saliencyState.selected"));
        string before = await page.EvaluateAsync<string>("() => JSON.stringify(document.querySelector('.saliency-brushing-map').data.filter(t => t.type === 'heatmap').map(t => t.z))");

        // Select the samples 0..8 (three of each label) as a box selection on the scatter would.
        await page.EvaluateAsync("() => { const gd = document.querySelector('.saliency-brushing-scores'); gd.emit('plotly_selected', { points: [0,1,2,3,4,5,6,7,8].map(i => ({ customdata: i })) }); }");

        Assert.Equal(9, await page.EvaluateAsync<int>("() => document.querySelector('.saliency-brushing').saliencyState.selected"));
        string after = await page.EvaluateAsync<string>("() => JSON.stringify(document.querySelector('.saliency-brushing-map').data.filter(t => t.type === 'heatmap').map(t => t.z))");
        Assert.NotEqual(before, after);
        Assert.Contains("9 of 60 samples selected", await page.InnerTextAsync(".saliency-brushing-status"));
        // The selected curves are highlighted on the left (one extra trace per label).
        Assert.Equal(6, await page.EvaluateAsync<int>("() => document.querySelector('.saliency-brushing-curves').data.length"));

        await page.EvaluateAsync("() => document.querySelector('.saliency-brushing-scores').emit('plotly_deselect')");
        Assert.Equal(60, await page.EvaluateAsync<int>("() => document.querySelector('.saliency-brushing').saliencyState.selected"));
    }

    [Fact]
    public async Task The_tool_works_for_trajectories_with_max_normalised_maps()
    {
        var (scores, _, weights, labels) = Sample(30, 20);
        double[][][] trajectories = Enumerable.Range(0, 30).Select(i => Enumerable.Range(0, 20).Select(t => new[] { t * 0.1 + i % 3, Math.Cos(t / 4.0) + i * 0.01 }).ToArray()).ToArray();
        IPage page = await Open(BrushingTool.Html(scores, trajectories, weights, labels, new BrushingOptions { GridSize = 25, Sigma = 1.5, InvertY = true }));

        double maximum = await page.EvaluateAsync<double>("() => Math.max(...Object.values(document.querySelector('.saliency-brushing').saliencyState.maps).map(m => Math.max(...m)))");
        Assert.Equal(1.0, maximum, 12);
        Assert.True(await page.EvaluateAsync<bool>("() => { const r = document.querySelector('.saliency-brushing-curves')._fullLayout.yaxis.range; return r[0] > r[1]; }"));
    }

    [Fact]
    public async Task The_pages_binning_and_filter_match_scipy_semantics()
    {
        var (scores, series, weights, labels) = Sample(6, 10);
        IPage page = await Open(BrushingTool.Html(scores, series, weights, labels));
        // Points on interior edges, on the last edge (belongs to the last bin), outside the range (dropped), repeated bins (mean).
        double[] xs = { 0, 0.5, 1.0, 2.0, 3.0, 3.0, 2.9999, 4.5, -0.1, 1.5, 2.25, 0.75 };
        double[] ys = { 0, 1, 2, 3, 4, 4, 1.2, 2, 2, 5.0, 0.4, 3.3 };
        double[] ws = { 1, 2, 3, 4, 5, 7, 0.5, 9, 9, 6, 2.5, 1.25 };
        const int nx = 6, ny = 5;
        const double sigma = 1.3; // radius int(4 * 1.3 + 0.5) = 5: wider than the array, so reflection wraps more than once

        string call = $"(a) => Array.from(SaliencyBrushing.globalMap(a.xs, a.ys, a.ws, {nx}, {ny}, [0, 3], [0, 5], {sigma.ToString(System.Globalization.CultureInfo.InvariantCulture)}, a.mode))";
        double[] minMax = await page.EvaluateAsync<double[]>(call, new { xs, ys, ws, mode = "minmax" });
        double[] max = await page.EvaluateAsync<double[]>(call, new { xs, ys, ws, mode = "max" });
        double[] binned = await page.EvaluateAsync<double[]>($"(a) => Array.from(SaliencyBrushing.binnedMean2d(a.xs, a.ys, a.ws, {nx}, {ny}, 0, 3, 0, 5))", new { xs, ys, ws });

        double[,] expectedBinned = ScipyReference.BinnedMean(xs, ys, ws, nx, ny, 0, 3, 0, 5);
        double[,] filtered = ScipyReference.GaussianFilter(expectedBinned, sigma);
        AssertClose(expectedBinned, binned, 1e-12);
        AssertClose(ScipyReference.NormalizeMinMax(filtered), minMax, 1e-12);
        AssertClose(ScipyReference.NormalizeMax(filtered), max, 1e-12);
        // Spot checks of the semantics themselves: x = 3.0 (the last edge) is in the last x bin; the mean of 5 and 7 is 6.
        Assert.Equal(6.0, expectedBinned[5, 4], 12);
        Assert.Equal(0.0, expectedBinned[0, 4], 12);
    }

    private static void AssertClose(double[,] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        int ny = expected.GetLength(1);
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < ny; j++)
                Assert.True(Math.Abs(expected[i, j] - actual[i * ny + j]) <= tolerance,
                    $"[{i},{j}]: C# {expected[i, j]} vs page {actual[i * ny + j]} ({JsonSerializer.Serialize(actual)})");
    }
}

/// <summary>
/// Naive, loop-by-loop transcriptions of scipy.stats.binned_statistic_2d(..., 'mean') + nan_to_num and
/// scipy.ndimage.gaussian_filter(mode='reflect', truncate=4), written independently of the page's code.
/// </summary>
internal static class ScipyReference
{
    public static double[,] BinnedMean(double[] xs, double[] ys, double[] ws, int nx, int ny, double xlo, double xhi, double ylo, double yhi)
    {
        double[] ex = Linspace(xlo, xhi, nx + 1), ey = Linspace(ylo, yhi, ny + 1);
        var sum = new double[nx, ny];
        var count = new int[nx, ny];
        for (int k = 0; k < xs.Length; k++)
        {
            int i = Bin(ex, xs[k]), j = Bin(ey, ys[k]);
            if (i < 0 || j < 0) continue;
            sum[i, j] += ws[k];
            count[i, j]++;
        }
        var mean = new double[nx, ny];
        for (int i = 0; i < nx; i++)
            for (int j = 0; j < ny; j++) mean[i, j] = count[i, j] == 0 ? 0 : sum[i, j] / count[i, j];
        return mean;
    }

    /// <summary>np.digitize(v, edges) - 1, with the last edge moved into the last bin; -1 outside.</summary>
    private static int Bin(double[] edges, double v)
    {
        int n = edges.Length - 1;
        if (v == edges[n]) return n - 1;
        for (int i = 0; i < n; i++)
            if (edges[i] <= v && v < edges[i + 1]) return i;
        return -1;
    }

    private static double[] Linspace(double lo, double hi, int count)
    {
        double step = (hi - lo) / (count - 1);
        var edges = new double[count];
        for (int i = 0; i < count - 1; i++) edges[i] = i * step + lo;
        edges[count - 1] = hi;
        return edges;
    }

    public static double[,] GaussianFilter(double[,] input, double sigma)
    {
        int radius = (int)(4 * sigma + 0.5);
        var kernel = new double[2 * radius + 1];
        for (int x = -radius; x <= radius; x++) kernel[x + radius] = Math.Exp(-0.5 / (sigma * sigma) * x * x);
        double total = kernel.Sum();
        for (int i = 0; i < kernel.Length; i++) kernel[i] /= total;
        int nx = input.GetLength(0), ny = input.GetLength(1);
        var along0 = new double[nx, ny];
        for (int i = 0; i < nx; i++)
            for (int j = 0; j < ny; j++)
                for (int t = -radius; t <= radius; t++) along0[i, j] += kernel[t + radius] * input[Reflect(i + t, nx), j];
        var output = new double[nx, ny];
        for (int i = 0; i < nx; i++)
            for (int j = 0; j < ny; j++)
                for (int t = -radius; t <= radius; t++) output[i, j] += kernel[t + radius] * along0[i, Reflect(j + t, ny)];
        return output;
    }

    /// <summary>'reflect' (d c b a | a b c d | d c b a), unfolded step by step as the boundary is crossed.</summary>
    private static int Reflect(int k, int n)
    {
        while (k < 0 || k >= n) k = k < 0 ? -k - 1 : 2 * n - k - 1;
        return k;
    }

    public static double[,] NormalizeMinMax(double[,] h)
    {
        double min = h.Cast<double>().Min(), max = h.Cast<double>().Max();
        return Map(h, v => (v - min) / Math.Max(1e-8, max - min));
    }

    public static double[,] NormalizeMax(double[,] h)
    {
        double max = h.Cast<double>().Max();
        return max > 0 ? Map(h, v => v / max) : h;
    }

    private static double[,] Map(double[,] h, Func<double, double> f)
    {
        var result = new double[h.GetLength(0), h.GetLength(1)];
        for (int i = 0; i < h.GetLength(0); i++)
            for (int j = 0; j < h.GetLength(1); j++) result[i, j] = f(h[i, j]);
        return result;
    }
}
