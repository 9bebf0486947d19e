using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Saliency.Notebook.Display;
using Saliency.Notebook.GlobalMaps;
using TorchSharp;
using static TorchSharp.torch;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Display;

/// <summary>
/// Opens the brushing tool in Debian's chromium through Playwright: the plots draw, a selection recomputes the maps, and the
/// page's maps, for every sample and for a selection, equal the kit's own (GlobalSaliencyMaps and GlobalMapAccumulator, which
/// the scipy reference tests tie to scipy).
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
        IPage page = await Open(BrushingTool.Html(scores, series, weights, labels, new BrushingOptions { GridSize = 30, Sigma = 2, YTitle = "EOG (a.u.)" }));
        // Units on the axes: every curve and map panel's y, the bottom panel's x.
        foreach (string panel in new[] { "curves", "map" })
        {
            Assert.Equal("EOG (a.u.)", await page.EvaluateAsync<string>($"() => document.querySelector('.saliency-brushing-{panel}').layout.yaxis2.title.text"));
            Assert.Equal("time step", await page.EvaluateAsync<string>($"() => document.querySelector('.saliency-brushing-{panel}').layout.xaxis3.title.text"));
        }

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
    public async Task Labels_that_look_like_markup_stay_labels()
    {
        // "<!--<script>" inside a script element keeps it open past its "</script>" (HTML's escaped-script state), so the
        // data element must hold no raw "<": the tool would mount nothing.
        var (scores, series, weights, _) = Sample(12, 10);
        string[] classes = { "a<!--<script>", "</script><b>\"q'", "x & y" };
        string[] labels = Enumerable.Range(0, 12).Select(i => classes[i % 3]).ToArray();
        string html = BrushingTool.Html(scores, series, weights, labels);
        Assert.DoesNotContain("<!--<script>", html);

        IPage page = await Open(html);
        Assert.Equal(12, await page.EvaluateAsync<int>("() => document.querySelector('.saliency-brushing').saliencyState.selected"));
        string[] mapped = await page.EvaluateAsync<string[]>("() => Object.keys(document.querySelector('.saliency-brushing').saliencyState.maps).sort()");
        Assert.Equal(classes.OrderBy(c => c, StringComparer.Ordinal), mapped);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_selections_map_equals_the_kits_map_of_those_samples_on_the_whole_datas_ranges(bool trajectories)
    {
        // Sigma 1.3 has a radius of 5 bins, so on the short time axis 'reflect' wraps more than once.
        const int n = 15, length = 4, grid = 9;
        const double sigma = 1.3;
        var (page, labels, weights, points) = await RandomTool(trajectories, n, length, grid, sigma, seed: 5);
        int[] selection = { 1, 2, 4, 7, 9, 13 };
        await page.EvaluateAsync($"() => document.querySelector('.saliency-brushing-scores').emit('plotly_selected', {{ points: [{string.Join(",", selection)}].map(i => ({{ customdata: i }})) }})");
        Assert.Equal(selection.Length, await page.EvaluateAsync<int>("() => document.querySelector('.saliency-brushing').saliencyState.selected"));

        // The kit's map of the selected samples, binned on the ranges of ALL samples (what the page is given).
        int channels = trajectories ? 2 : 1;
        using var all = torch.tensor(points.SelectMany(p => p.SelectMany(q => q.Take(channels))).ToArray(), new long[] { n, length, channels }, dtype: ScalarType.Float64);
        using var index = torch.tensor(selection.Select(i => (long)i).ToArray());
        using var chosen = all.index_select(0, index);
        using var chosenWeights = torch.tensor(selection.SelectMany(i => weights[i]).ToArray(), new long[] { selection.Length, length, 1 }, dtype: ScalarType.Float64);
        string[] chosenLabels = selection.Select(i => labels[i]).ToArray();
        var ranges = GlobalSaliencyMaps.Accumulate(all, torch.zeros(n, length, 1, dtype: ScalarType.Float64), labels, !trajectories, grid, sigma);
        var kit = trajectories
            ? GlobalMapAccumulator.Trajectories(ranges.Labels, 1, length, (ranges.FirstAxisEdges[0], ranges.FirstAxisEdges[^1]), (ranges.SecondAxisEdges[0], ranges.SecondAxisEdges[^1]), grid, sigma)
            : GlobalMapAccumulator.TimeSeries(ranges.Labels, 1, length, (ranges.SecondAxisEdges[0], ranges.SecondAxisEdges[^1]), grid, sigma);
        kit.Add(chosen, chosenWeights, chosenLabels.Select(l => ranges.Labels.ToList().IndexOf(l)).ToArray());
        var maps = kit.ToMaps();
        foreach (string label in new[] { "x", "y", "z" })
        {
            double[] drawn = await page.EvaluateAsync<double[]>($"() => Array.from(document.querySelector('.saliency-brushing').saliencyState.maps['{label}'])");
            AssertEqual(maps.Map(label, 0), drawn, 1e-12);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_everything_selected_the_page_draws_the_kits_own_global_maps(bool trajectories)
    {
        const int n = 12, length = 16, grid = 20;
        const double sigma = 2;
        var (page, labels, weights, points) = await RandomTool(trajectories, n, length, grid, sigma, seed: 3);

        int channels = trajectories ? 2 : 1;
        using var positions = torch.tensor(points.SelectMany(p => p.SelectMany(q => q.Take(channels))).ToArray(), new long[] { n, length, channels }, dtype: ScalarType.Float64);
        using var projections = torch.tensor(weights.SelectMany(w => w).ToArray(), new long[] { n, length, 1 }, dtype: ScalarType.Float64);
        var maps = trajectories
            ? GlobalSaliencyMaps.Trajectories(positions, projections, labels, grid, sigma)
            : GlobalSaliencyMaps.TimeSeries(positions, projections, labels, grid, sigma);
        foreach (string label in new[] { "x", "y", "z" })
        {
            double[] drawn = await page.EvaluateAsync<double[]>($"() => Array.from(document.querySelector('.saliency-brushing').saliencyState.maps['{label}'])");
            AssertEqual(maps.Map(label, 0), drawn, 1e-12);
        }
    }

    /// <summary>
    /// A tool on seeded random samples labelled x, y, z (values multiples of 1/64); the weights returned are the page's
    /// (<see cref="BrushingTool.Dequantised"/>). Series use each point's first coordinate.
    /// </summary>
    private async Task<(IPage Page, string[] Labels, double[][] Weights, double[][][] Points)> RandomTool(bool trajectories, int n, int length, int grid, double sigma, int seed)
    {
        var random = new Random(seed);
        double Next() => random.Next(-32, 97) / 64.0;
        string[] labels = Enumerable.Range(0, n).Select(i => "xyz"[i % 3].ToString()).ToArray();
        double[][] scores = Enumerable.Range(0, n).Select(i => new double[] { Next(), Next() }).ToArray();
        double[][] weights = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, length).Select(_ => Math.Abs(Next())).ToArray()).ToArray();
        double[][][] points = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, length).Select(_ => new double[] { Next(), Next() }).ToArray()).ToArray();
        var options = new BrushingOptions { GridSize = grid, Sigma = sigma };
        string html = trajectories
            ? BrushingTool.Html(scores, points, weights, labels, options)
            : BrushingTool.Html(scores, points.Select(p => p.Select(q => q[0]).ToArray()).ToArray(), weights, labels, options);
        // The page holds the weights in byte steps of the largest: its maps are the kit's maps of those weights, to rounding.
        return (await Open(html), labels, BrushingTool.Dequantised(weights), points);
    }

    [Fact]
    public void The_pages_weights_are_the_magnitudes_within_half_a_step_of_the_largest_over_254()
    {
        var random = new Random(11);
        double[][] weights = Enumerable.Range(0, 30).Select(_ => Enumerable.Range(0, 50).Select(_ => random.NextDouble() * 6 - 3).ToArray()).ToArray();
        weights[4][7] = double.NaN;
        double[][] page = BrushingTool.Dequantised(weights);
        double largest = weights.SelectMany(row => row).Where(double.IsFinite).Max(Math.Abs), step = largest / BrushingTool.WeightLevels;

        Assert.True(double.IsNaN(page[4][7]));
        for (int i = 0; i < 30; i++)
            for (int t = 0; t < 50; t++)
                if (double.IsFinite(weights[i][t])) Assert.InRange(page[i][t] - Math.Abs(weights[i][t]), -step / 2 - 1e-15, step / 2 + 1e-15);
        Assert.Equal(largest, page.SelectMany(row => row).Where(double.IsFinite).Max(), 12);
    }

    private static void AssertEqual(double[,] expected, double[] actual, double tolerance = 0)
    {
        Assert.Equal(expected.Length, actual.Length);
        int ny = expected.GetLength(1);
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < ny; j++)
                Assert.True(Math.Abs(expected[i, j] - actual[i * ny + j]) <= tolerance,
                    $"[{i},{j}]: kit {expected[i, j]} vs page {actual[i * ny + j]} ({JsonSerializer.Serialize(actual)})");
    }
}
