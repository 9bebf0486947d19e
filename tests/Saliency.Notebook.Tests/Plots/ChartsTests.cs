using System.Text.Json.Nodes;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Plots;

namespace Saliency.Notebook.Tests.Plots;

public class ChartsTests
{
    private static readonly string[] SeriesLabels = { "6", "3", "7", "3", "6", "3" };

    private static double[][] Series(int n, int length) =>
        Enumerable.Range(0, n).Select(i => Enumerable.Range(0, length).Select(t => Math.Sin(t * 0.3 + i)).ToArray()).ToArray();

    [Fact]
    public void DatasetSeries_draws_each_labels_series_as_one_translucent_black_trace_on_its_panel()
    {
        var figure = new FigureJson(Charts.DatasetSeries(Series(6, 20), SeriesLabels, alpha: 0.02));

        // One trace per label (panels in label order 3, 6, 7, one row each), its series one after another with gaps.
        Assert.Equal(3, figure.Data.Count);
        Assert.All(figure.Data, trace =>
        {
            Assert.Equal("scatter", (string?)trace["type"]);
            Assert.Equal("rgba(0,0,0,0.02)", (string?)trace["line"]!["color"]);
            Assert.Equal("name", (string?)trace["hoverinfo"]);                    // hovering names the label
        });
        Assert.Equal(new[] { "3", "6", "7" }, figure.Data.Select(trace => (string?)trace["name"]).ToArray());
        Assert.Equal(new[] { "y", "y2", "y3" }, figure.Data.Select(trace => (string?)trace["yaxis"]).ToArray());
        Assert.Equal(new[] { 3, 2, 1 }, figure.Data.Select(trace => FigureJson.Segments(trace).Count).ToArray());
        // x: each series' kept time steps, as bytes (with the gap's own place); y: the series' own values at those steps.
        Assert.Equal("u1", (string?)figure.Data[0]["x"]!["dtype"]);
        double[][] series = Series(6, 20);
        double[] x = FigureJson.Numbers(figure.Data[0]["x"]), y = FigureJson.Numbers(figure.Data[0]["y"]);
        int gap = Array.FindIndex(y, double.IsNaN);
        Assert.Equal((0.0, 19.0), (x[0], x[gap - 1]));                                     // each curve keeps its ends
        for (int i = 0; i < gap; i++) Assert.Equal((float)series[1][(int)x[i]], (float)y[i]);
        Assert.NotNull(figure.Layout["yaxis3"]);
        Assert.Null(figure.Layout["yaxis4"]);
        // One value range for every panel (sin spans −1…1, padded by 3 %), as the paper's shared y limits.
        foreach (string axis in new[] { "yaxis", "yaxis2", "yaxis3" })
        {
            var range = figure.Layout[axis]!["range"]!.AsArray().Select(v => (double)v!).ToArray();
            Assert.Equal(-1, range[0], 0.1);
            Assert.Equal(1, range[1], 0.1);
            Assert.Equal(range, figure.Layout["yaxis"]!["range"]!.AsArray().Select(v => (double)v!).ToArray());
        }
    }

    [Fact]
    public void Curves_keep_only_the_points_a_panel_can_show_and_stray_less_than_half_a_pixel()
    {
        // A straight ramp of 200 steps needs its two ends; a wiggle of 0.001 of its range on a 220-pixel panel is under half a pixel.
        double[] ramp = Enumerable.Range(0, 200).Select(t => t / 199.0 + (t % 2 == 0 ? 0 : 0.001)).ToArray();
        double[] bend = Enumerable.Range(0, 200).Select(t => t < 100 ? 0.0 : 1.0).ToArray();
        var figure = new FigureJson(Charts.DatasetSeries(new[] { ramp, bend }, new[] { "3", "6" }, panelWidth: 900, panelHeight: 220));

        double[] rampSteps = FigureJson.Numbers(figure.Data[0]["x"]), bendSteps = FigureJson.Numbers(figure.Data[1]["x"]);
        Assert.Equal(new[] { 0.0, 199 }, rampSteps);
        Assert.Equal(new[] { 0.0, 99, 100, 199 }, bendSteps);                               // the step itself stays
        Assert.Equal(new[] { ramp[0], ramp[199] }.Select(v => (double)(float)v), FigureJson.Numbers(figure.Data[0]["y"]));
    }

    [Theory]
    [InlineData(0.0, 2.02, new[] { 0.0, 0.5, 1, 1.5, 2 }, new[] { "0", "0.5", "1", "1.5", "2" })]
    [InlineData(0.1234, 0.7621, new[] { 0.2, 0.4, 0.6 }, new[] { "0.2", "0.4", "0.6" })]
    [InlineData(-3.0, 17.0, new[] { -0.0, 5, 10, 15 }, new[] { "0", "5", "10", "15" })]
    [InlineData(0.00011, 0.00093, new[] { 0.0002, 0.0004, 0.0006, 0.0008 }, new[] { "0.0002", "0.0004", "0.0006", "0.0008" })]
    public void Colour_bar_ticks_are_round_values_inside_the_range(double low, double high, double[] values, string[] texts)
    {
        (double[] ticks, string[] written) = Charts.RoundTicks(low, high);

        Assert.Equal(values.Length, ticks.Length);
        for (int i = 0; i < values.Length; i++) Assert.Equal(values[i], ticks[i], 12);
        Assert.Equal(texts, written);
        Assert.All(ticks, tick => Assert.InRange(tick, low, high));
    }

    [Fact]
    public void A_map_colour_bar_puts_its_round_ticks_on_the_levels_of_their_values()
    {
        var map = new double[4, 4];
        for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) map[i, j] = (i * 4 + j) / 15.0 * 2.02;
        var curves = new[] { (IReadOnlyList<Polyline>)Polyline.FromSeries(new[] { new[] { 0.1, 0.5, 0.9, 0.2 } }) };
        var figure = new FigureJson(Charts.GlobalMapGrid(new[] { "a" }, curves, new[,] { { new MapPanel(map, 0, 4, 0, 1) } }));
        JsonNode bar = figure.Data.Single(trace => (string?)trace["type"] == "heatmap")["colorbar"]!;

        Assert.Equal(new[] { "0", "0.5", "1", "1.5", "2" }, bar["ticktext"]!.AsArray().Select(v => (string?)v).ToArray());
        // Level 1 is the range's low end (0), level 255 its high end (2.02): the tick 1 sits at level 1 + 254 / 2.02.
        Assert.Equal(1 + 254 / 2.02, (double)bar["tickvals"]![2]!, 4);
    }

    [Fact]
    public void A_map_with_more_bins_than_its_panel_has_pixels_is_drawn_as_the_means_of_neighbouring_bins()
    {
        // 7 × 5 bins into at most 3 × 5: blocks of 3 along the first axis (the last one a single bin), none along the second.
        var map = new double[7, 5];
        for (int i = 0; i < 7; i++) for (int j = 0; j < 5; j++) map[i, j] = i * 10 + j;
        map[1, 2] = double.NaN;
        (double[,] pooled, double[] x, double[] y) = Charts.Pooled(new MapPanel(map, 0, 7, -1, 1), 3, 5);

        Assert.Equal((3, 5), (pooled.GetLength(0), pooled.GetLength(1)));
        Assert.Equal((0 + 10 + 20) / 3.0 + 1, pooled[0, 1], 12);
        Assert.Equal((0 + 20) / 2.0 + 2, pooled[0, 2], 12);                                          // the NaN bin left out
        Assert.Equal(60 + 4, pooled[2, 4], 12);                                                     // the short last block
        Assert.Equal(new[] { 1.5, 4.5, 6.5 }, x);                                                   // each block's centre
        Assert.Equal(new[] { -0.8, -0.4, 0, 0.4, 0.8 }, y.Select(v => Math.Round(v, 12)));
        // A map that fits is drawn as it is.
        Assert.Same(map, Charts.Pooled(new MapPanel(map, 0, 7, -1, 1), 7, 5).Map);
    }

    [Fact]
    public void The_method_grid_draws_a_200_bin_map_in_a_170_pixel_panel_with_100_value_bins()
    {
        var map = new double[200, 200];
        for (int i = 0; i < 200; i++) for (int j = 0; j < 200; j++) map[i, j] = (i + j) / 400.0;
        var curves = new[] { (IReadOnlyList<Polyline>)Polyline.FromSeries(new[] { Enumerable.Range(0, 200).Select(t => t / 200.0).ToArray() }) };
        var figure = new FigureJson(Charts.MethodMapGrid(new[] { "gradcam" }, new[] { "a" }, curves, new[,] { { new MapPanel(map, 0, 200, 0, 1) } }, new[] { false },
            new GlobalMapStyle { PanelWidth = 230, PanelHeight = 170 }));
        JsonNode heatmap = figure.Data.Single(trace => (string?)trace["type"] == "heatmap");

        Assert.Equal((100, 200), FigureJson.Shape(heatmap["z"]!));                                  // rows = value bins, pooled in pairs
        Assert.Equal(200, heatmap["x"]!.AsArray().Count);
    }

    [Fact]
    public void Long_panel_titles_are_cut_with_an_ellipsis_and_shown_whole_on_hover()
    {
        string label = new string('w', 100);
        var figure = new FigureJson(Charts.DatasetSeries(Series(2, 5), new[] { label, "3" }));

        var titles = figure.Layout["annotations"]!.AsArray().Select(a => a!.AsObject()).ToArray();
        Assert.Equal("label 3 (1 series)", (string?)titles[0]["text"]);
        Assert.Null(titles[0]["hovertext"]);
        Assert.Equal(40, ((string?)titles[1]["text"])!.Length);
        Assert.EndsWith("…", (string?)titles[1]["text"]);
        Assert.Equal($"label {label} (1 series)", (string?)titles[1]["hovertext"]);
    }

    [Fact]
    public void DatasetSeries_panel_titles_say_how_many_of_a_class_are_shown_when_the_series_are_a_sample()
    {
        var sizes = new Dictionary<string, int> { ["3"] = 330, ["6"] = 2, ["7"] = 1 };
        var figure = new FigureJson(Charts.DatasetSeries(Series(6, 20), SeriesLabels, classSizes: sizes));

        var titles = figure.Layout["annotations"]!.AsArray().Select(a => (string?)a!["text"]).ToArray();
        Assert.Equal(new[] { "label 3 (3 of 330 shown)", "label 6 (2 series)", "label 7 (1 series)" }, titles);
    }

    [Fact]
    public void DatasetTrajectories_colours_by_label_and_inverts_y_for_symbols()
    {
        double[][][] trajectories = Enumerable.Range(0, 4).Select(i => Enumerable.Range(0, 10).Select(t => new[] { t * 0.1, i + t * 0.05 }).ToArray()).ToArray();
        var figure = new FigureJson(Charts.DatasetTrajectories(trajectories, new[] { "(", ")", "\\Omega", "(" }, alpha: 0.05, invertY: true));

        Assert.Equal(3, figure.Data.Count);                                           // one trace per label
        Assert.Equal("rgba(0,114,178,0.05)", (string?)figure.Data[0]["line"]!["color"]);   // Okabe–Ito blue, vermillion, bluish green
        Assert.Equal("rgba(213,94,0,0.05)", (string?)figure.Data[1]["line"]!["color"]);
        Assert.Equal("rgba(0,158,115,0.05)", (string?)figure.Data[2]["line"]!["color"]);
        Assert.Equal(new[] { true, true, true }, figure.Data.Select(trace => (bool)trace["showlegend"]!).ToArray());
        Assert.Equal(2, FigureJson.Segments(figure.Data[0]).Count);                   // both "(" trajectories
        Assert.Equal(new[] { 0.0, 0.9 }, FigureJson.Numbers(figure.Data[0]["x"]).Take(2).Select(v => Math.Round(v, 6)));   // a straight stroke: its two ends
        Assert.Equal("reversed", (string?)figure.Layout["yaxis"]!["autorange"]);
        Assert.Null(figure.Layout["xaxis"]!["autorange"]);
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(30, 2)]
    [InlineData(6, 16)]
    public void GlobalMapGrid_panels_keep_most_of_their_cells_however_many_labels_and_components(int labelCount, int components)
    {
        string[] labels = Enumerable.Range(0, labelCount).Select(l => $"class{l}").ToArray();
        var curves = labels.Select(_ => Polyline.FromSeries(Series(1, 8))).ToList();
        var maps = new MapPanel[components, labelCount];
        for (int c = 0; c < components; c++)
            for (int l = 0; l < labelCount; l++) maps[c, l] = new MapPanel(new double[8, 4], 0, 8, -1, 1);

        var figure = new FigureJson(Charts.GlobalMapGrid(labels, curves, maps));

        AssertPanelsFillTheirCells(figure, "xaxis", labelCount, labelCount * components);
        AssertPanelsFillTheirCells(figure, "yaxis", components, labelCount * components);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(40)]
    public void DatasetSeries_panels_keep_most_of_their_cells_however_many_labels(int labelCount)
    {
        string[] labels = Enumerable.Range(0, labelCount).Select(l => $"class{l}").ToArray();
        var figure = new FigureJson(Charts.DatasetSeries(Series(labelCount, 10), labels));

        AssertPanelsFillTheirCells(figure, "yaxis", labelCount, labelCount);
    }

    /// <summary>
    /// Every one of <paramref name="axes"/> axes of kind <paramref name="kind"/> has a domain inside [0, 1] that takes at least
    /// 70% of its cell (1/<paramref name="cells"/> of the figure; the rest is left to the gap and its title), and domains do not overlap.
    /// </summary>
    private static void AssertPanelsFillTheirCells(FigureJson figure, string kind, int cells, int axes)
    {
        var domains = Enumerable.Range(1, axes)
            .Select(k => figure.Layout[k == 1 ? kind : kind + k]!["domain"]!.AsArray().Select(v => (double)v!).ToArray())
            .Select(d => (Start: d[0], End: d[1])).Distinct().OrderBy(d => d.Start).ToList();
        Assert.Equal(cells, domains.Count);
        Assert.All(domains, d =>
        {
            Assert.InRange(d.Start, 0, 1);
            Assert.InRange(d.End, 0, 1);
            Assert.True(d.End - d.Start >= 0.7 / cells - 1e-12, $"{kind} domain [{d.Start}, {d.End}] is under 70% of a 1/{cells} cell");
        });
        for (int i = 1; i < domains.Count; i++) Assert.True(domains[i].Start >= domains[i - 1].End, $"{kind} domains overlap at {domains[i].Start}");
    }

    [Fact]
    public void GlobalMapGrid_has_one_heatmap_per_component_and_label_over_the_curves()
    {
        string[] labels = { "3", "6", "7" };
        var curves = labels.Select(_ => Polyline.FromSeries(Series(2, 8))).ToList();
        var maps = new MapPanel[2, 3];
        for (int c = 0; c < 2; c++)
            for (int l = 0; l < 3; l++)
            {
                var map = new double[8, 4];
                for (int i = 0; i < 8; i++)
                    for (int j = 0; j < 4; j++) map[i, j] = (c + 1) * (l + 1) * (i * 4 + j) / 31.0;
                maps[c, l] = new MapPanel(map, 0, 8, -1, 1);
            }

        var figure = new FigureJson(Charts.GlobalMapGrid(labels, curves, maps, new GlobalMapStyle { TransparentBelow = 0.1, InvertY = true }));

        var heatmaps = figure.OfType("heatmap").ToList();
        Assert.Equal(6, heatmaps.Count);
        Assert.Equal(6, figure.OfType("scatter").Count());                            // one curves trace per panel
        Assert.All(figure.OfType("scatter"), trace => Assert.Equal("rgba(0,0,0,0.01)", (string?)trace["line"]!["color"]));
        Assert.All(figure.OfType("scatter"), trace => Assert.Equal(2, FigureJson.Segments(trace).Count));
        JsonObject first = heatmaps[0];
        Assert.Equal("rgba(0,0,0,0)", (string?)first["colorscale"]![0]![1]);        // level 0: under the threshold, transparent
        Assert.Equal("#ffffcc", (string?)first["colorscale"]![2]![1]);
        Assert.Equal("#800026", (string?)first["colorscale"]![10]![1]);
        // z is one byte per bin, the transpose of [bin1, bin2] (origin lower): z[j][i] = map[i, j]; values under the threshold are level 0.
        Assert.Equal("u1", (string?)first["z"]!["dtype"]);
        Assert.Equal((4, 8), FigureJson.Shape(first["z"]!));
        double[] z = FigureJson.MapValues(first);
        Assert.True(double.IsNaN(z[0]));
        double step = (maps[0, 2].Max - maps[0, 0].Min) / (Charts.MapLevels - 1);   // the component's range in 254 steps
        Assert.Equal(maps[0, 0].Map[7, 3], z[3 * 8 + 7], step / 2);
        Assert.Equal(maps[0, 0].Map[5, 1], z[1 * 8 + 5], step / 2);
        // The colour bar reads in the map's units.
        Assert.Equal("0", (string?)heatmaps[2]["colorbar"]!["ticktext"]![0]);
        // Bin centres span the binning extent.
        Assert.Equal(0.5, (double)first["x"]![0]!, 12);
        Assert.Equal(-0.75, (double)first["y"]![0]!, 12);
        // Shared colour range per component: row 1 spans the min/max over its three labels.
        Assert.Equal(maps[0, 2].Max, (double)heatmaps[0]["meta"]!["zmax"]!, 12);
        Assert.Equal(maps[1, 2].Max, (double)heatmaps[3]["meta"]!["zmax"]!, 12);
        // y drawn downwards: range from the top of the extent to the bottom.
        Assert.Equal(1.0, (double)figure.Layout["yaxis"]!["range"]![0]!, 12);
        Assert.NotNull(figure.Layout["xaxis6"]);
    }

    [Fact]
    public void GlobalMapGrid_auto_scales_each_panel_for_trajectories()
    {
        var maps = new MapPanel[1, 2];
        maps[0, 0] = new MapPanel(new double[,] { { 0, 1 }, { 2, 3 } }, 0, 1, 0, 1);
        maps[0, 1] = new MapPanel(new double[,] { { 0, 5 }, { 6, 9 } }, 0, 1, 0, 1);
        var curves = new[] { Array.Empty<Polyline>(), Array.Empty<Polyline>() };

        var figure = new FigureJson(Charts.GlobalMapGrid(new[] { "East", "West" }, curves, maps, new GlobalMapStyle { SharedComponentScale = false }));

        Assert.Equal(new[] { 3.0, 9.0 }, figure.OfType("heatmap").Select(heatmap => (double)heatmap["meta"]!["zmax"]!).ToArray());
    }

    [Fact]
    public void Figure_json_writes_numbers_at_float32_precision_and_non_finite_values_as_gaps()
    {
        var figure = new PlotlyFigure(new[] { new PlotlyTrace("scatter").Set("x", new[] { 0.1, 1.0 / 3, double.NaN, 1e300, 42 }) }, new Dictionary<string, object?>());

        Assert.Contains("\"x\":[0.1,0.33333334,null,1E+300,42]", figure.ToJson());
    }

    [Fact]
    public void DatasetTrajectoriesOverTime_draws_one_panel_per_label_coloured_by_time_step_with_equal_aspect()
    {
        double[][][] trajectories = Enumerable.Range(0, 4).Select(i => Enumerable.Range(0, 10).Select(t => new[] { t * 0.1, i + t * 0.05 }).ToArray()).ToArray();
        var sizes = new Dictionary<string, int> { ["("] = 2, [")"] = 40, ["\\Omega"] = 1 };
        var figure = new FigureJson(Charts.DatasetTrajectoriesOverTime(trajectories, new[] { "(", ")", "\\Omega", "(" }, invertY: true, classSizes: sizes));

        Assert.Equal(3, figure.Data.Count);                                           // one trace per label, in label order
        Assert.Equal(new[] { "x", "x2", "x3" }, figure.Data.Select(t => (string?)t["xaxis"]).ToArray());
        var first = figure.Data[0];
        Assert.Equal(20, FigureJson.Numbers(first["x"]).Length);                       // both "(" trajectories, 10 points each, as typed arrays
        var steps = FigureJson.Numbers(first["marker"]!["color"]);
        Assert.Equal(Enumerable.Range(0, 10).Concat(Enumerable.Range(0, 10)).Select(t => (double)t), steps);
        Assert.Equal((0.0, 9.0), ((double)first["marker"]!["cmin"]!, (double)first["marker"]!["cmax"]!));
        Assert.Equal("#3b4cc0", (string?)first["marker"]!["colorscale"]![0]![1]);     // coolwarm: blue first, red last
        Assert.Equal("#b40426", (string?)first["marker"]!["colorscale"]![8]![1]);
        Assert.Equal(new[] { false, false, true }, figure.Data.Select(t => (bool)t["marker"]!["showscale"]!).ToArray());
        foreach (var (axis, x) in new[] { ("yaxis", "x"), ("yaxis2", "x2"), ("yaxis3", "x3") })
        {
            Assert.Equal(x, (string?)figure.Layout[axis]!["scaleanchor"]);
            Assert.Equal("reversed", (string?)figure.Layout[axis]!["autorange"]);
        }
        var titles = figure.Layout["annotations"]!.AsArray().Select(a => (string?)a!["text"]).ToArray();
        Assert.Equal(new[] { "label ( (2 trajectories)", "label ) (1 of 40 shown)", "label Ω (1 trajectories)" }, titles);   // the data's \Omega, as a letter
    }

    [Fact]
    public void CombinedMaps_draws_labelled_curves_then_one_map_per_component()
    {
        string[] labels = { "East", "West", "South" };
        var curves = labels.Select(_ => (IReadOnlyList<Polyline>)new[] { new Polyline(new[] { 0.0, 1 }, new[] { 0.0, 1 }) }).ToList();
        var combined = new[] { new MapPanel(new double[,] { { 0, 1 }, { 1, 0 } }, 0, 1, 0, 1), new MapPanel(new double[,] { { 1, 1 }, { 1, 0 } }, 0, 1, 0, 1) };

        var figure = new FigureJson(Charts.CombinedMaps(labels, curves, combined));

        Assert.Equal(2, figure.OfType("heatmap").Count());
        var labelled = figure.Data.Where(trace => (string?)trace["xaxis"] == "x").ToList();
        Assert.Equal(new[] { "East", "East", "West", "West", "South", "South" }, labelled.Select(trace => (string?)trace["name"]).ToArray());
        Assert.Equal("rgba(0,114,178,0.1)", (string?)labelled[0]["line"]!["color"]);
        // The legend shows each label once, in its colour at full opacity, from an entry that draws nothing.
        var legend = figure.Data.Where(trace => (bool?)trace["showlegend"] == true).ToList();
        Assert.Equal(labels, legend.Select(trace => (string?)trace["name"]).ToArray());
        Assert.Equal(new[] { LabelColors.Blue, LabelColors.Vermillion, LabelColors.Green }, legend.Select(entry => (string?)entry["line"]!["color"]).ToArray());
        Assert.All(legend, entry => Assert.Null(entry["x"]!.AsArray().Single()));
        Assert.Equal(3 + 3 + 2 * 3, figure.OfType("scatter").Count());
        // One colour range over both components' panels (the first map spans 0…1, the second 0…1 too; make them differ below).
        var uneven = new FigureJson(Charts.CombinedMaps(labels, curves, new[] { combined[0], new MapPanel(new double[,] { { 0, 3 }, { 1, 0 } }, 0, 1, 0, 1) }));
        Assert.All(uneven.OfType("heatmap"), map => Assert.Equal((0.0, 3.0), ((double)map["meta"]!["zmin"]!, (double)map["meta"]!["zmax"]!)));
    }

    [Fact]
    public void LatentPca_scatters_one_trace_per_label_with_paper_colours_and_variance_in_titles()
    {
        double[][] scores = { new[] { 1.0, 2 }, new[] { 3.0, 4 }, new[] { 5.0, 6 } };
        var figure = new FigureJson(Charts.LatentPca(scores, new[] { "7", "3", "7" }, new[] { 0.24593, 0.23677 }, reverseX: true));

        Assert.Equal(new[] { "3", "7" }, figure.Data.Select(trace => (string?)trace["name"]).ToArray());
        Assert.Equal(LabelColors.Green, (string?)figure.Data[0]["marker"]!["color"]);
        Assert.Equal(LabelColors.Vermillion, (string?)figure.Data[1]["marker"]!["color"]);
        Assert.Equal(new[] { 1.0, 5.0 }, figure.Data[1]["x"]!.AsArray().Select(v => (double)v!).ToArray());
        Assert.Equal("markers", (string?)figure.Data[0]["mode"]);
        Assert.Contains("24.6%", (string?)figure.Layout["xaxis"]!["title"]!["text"]);
        Assert.Contains("23.7%", (string?)figure.Layout["yaxis"]!["title"]!["text"]);
        Assert.Equal("reversed", (string?)figure.Layout["xaxis"]!["autorange"]);
    }

    [Fact]
    public void SampleSaliency_colours_the_points_by_saliency()
    {
        var figure = new FigureJson(Charts.SampleSaliency(new[] { 0.1, 0.2, 0.3 }, new[] { 0.0, 0.5, 1.0 }));

        Assert.Equal(2, figure.Data.Count);
        JsonNode marker = figure.Data[1]["marker"]!;
        Assert.Equal(new[] { 0.0, 0.5, 1.0 }, marker["color"]!.AsArray().Select(v => (double)v!).ToArray());
        Assert.True((bool)marker["showscale"]!);
    }

    [Fact]
    public void TrainingLoss_Lines_and_Bars_have_the_expected_traces()
    {
        var loss = new FigureJson(Charts.TrainingLoss(new Dictionary<string, double[]> { ["loss"] = new[] { 3.0, 2, 1 }, ["kl"] = new[] { 0.5, 0.4, 0.3 } }, logY: true));
        Assert.Equal(2, loss.Data.Count);
        Assert.Equal(new[] { 1.0, 2, 3 }, loss.Data[0]["x"]!.AsArray().Select(v => (double)v!).ToArray());
        Assert.Equal("log", (string?)loss.Layout["yaxis"]!["type"]);

        var lines = new FigureJson(Charts.Lines(new[] { 10.0, 20, 30 }, new Dictionary<string, double[]> { ["Global"] = new[] { 0.1, 0.2, 0.3 } }, "Mean latent distance", "percentile", "distance"));
        Assert.Single(lines.Data);
        Assert.Equal("lines+markers", (string?)lines.Data[0]["mode"]);
        Assert.Null(lines.Layout["xaxis"]!["ticktext"]);
        var byLabel = new FigureJson(Charts.Lines(new[] { 0.0, 1, 2 }, new Dictionary<string, double[]> { ["kept"] = new[] { 1.0, 2, 3 } }, xNames: new[] { "(", ")", "\\Omega" }));
        Assert.Equal(new[] { "(", ")", "Ω" }, byLabel.Layout["xaxis"]!["ticktext"]!.AsArray().Select(v => (string?)v).ToArray());
        Assert.Equal(new[] { 0.0, 1, 2 }, byLabel.Layout["xaxis"]!["tickvals"]!.AsArray().Select(v => (double)v!).ToArray());
        Assert.Equal("markers", (string?)byLabel.Data[0]["mode"]);                     // no line between categories

        var bars = new FigureJson(Charts.Bars(new[] { "East", "West" }, new[] { 1.0, 2.0 }));
        Assert.Equal("bar", (string?)bars.Data.Single()["type"]);
        Assert.Equal(new[] { LabelColors.Blue, LabelColors.Vermillion }, bars.Data[0]["marker"]!["color"]!.AsArray().Select(v => (string?)v).ToArray());
        var oneColour = new FigureJson(Charts.Bars(new[] { "z0", "z1" }, new[] { 1.0, 2.0 }, colour: "#4c72b0"));
        Assert.Equal(new[] { "#4c72b0", "#4c72b0" }, oneColour.Data[0]["marker"]!["color"]!.AsArray().Select(v => (string?)v).ToArray());
    }

    [Fact]
    public void Mismatched_inputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Charts.DatasetSeries(Series(2, 5), new[] { "3" }));
        Assert.Throws<ArgumentException>(() => Charts.Bars(new[] { "a" }, new[] { 1.0, 2.0 }));
        Assert.Throws<ArgumentException>(() => Charts.Lines(new[] { 0.0, 1 }, new Dictionary<string, double[]>(), xNames: new[] { "only one" }));
    }

    [Fact]
    public void LabelColors_are_Okabe_Ito_keep_the_papers_hues_and_give_unknown_labels_unused_colours()
    {
        IReadOnlyDictionary<string, string> colours = LabelColors.For(new[] { "Flyover", "South", "other", "Ω" });
        Assert.Equal("#000000", colours["Flyover"]);
        Assert.Equal("#009E73", colours["South"]);
        Assert.Equal("#009E73", colours["Ω"]);
        Assert.Equal("#E69F00", colours["other"]);                                     // the palette's first unused colour
        string[] okabeIto = { "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000" };
        Assert.Equal(okabeIto, LabelColors.OkabeIto);
        Assert.All(LabelColors.TimeSeries.Values.Concat(LabelColors.Aircraft.Values).Concat(LabelColors.Symbols.Values), colour => Assert.Contains(colour, okabeIto));
    }

    [Fact]
    public void Every_dataset_colours_each_label_as_every_figure_does()
    {
        foreach (DatasetInfo info in DatasetRegistry.All)
            Assert.All(info.ClassNames, label => Assert.Equal(LabelColors.Known(label), info.LabelColors[label]));
    }

    [Fact]
    public void Every_paper_dataset_titles_its_axes_with_their_units()
    {
        foreach (DatasetInfo info in DatasetRegistry.All)
            Assert.All(new[] { info.XAxisTitle, info.YAxisTitle }, title => Assert.Matches(@"^time step$|\(.+\)$", title));   // degrees, normalised, arbitrary units
    }
}
