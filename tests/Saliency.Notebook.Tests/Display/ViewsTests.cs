using System.Text.Json.Nodes;
using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Display;
using Saliency.Notebook.Interactive;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.Plots;
using Saliency.Notebook.SanityChecks;
using Saliency.Notebook.Tests.Plots;
using static TorchSharp.torch;
using Figure = Saliency.Notebook.Display.Figure;

namespace Saliency.Notebook.Tests.Display;

/// <summary>The symbols (trajectories) and eog (time series) data, their kit models and pipeline runs, built once for the view tests.</summary>
public sealed class ViewsFixture : IDisposable
{
    public ViewsFixture()
    {
        Symbols = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        SymbolsModel = ModelStore.Load(Path.Combine(TestData.RepoRoot, "models", "symbols"), Symbols.C, Symbols.L, "symbols");
        SymbolsResult = GlobalSaliencyPipeline.Run(SymbolsModel.Model, Symbols);
        Eog = DatasetRegistry.Load("eog", TestData.DataDirectory);
        EogModel = ModelStore.Load(Path.Combine(TestData.RepoRoot, "models", "eog"), Eog.C, Eog.L, "eog");
        EogResult = GlobalSaliencyPipeline.Run(EogModel.Model, Eog);
    }

    public TimeSeriesDataset Symbols { get; }
    public LoadedModel SymbolsModel { get; }
    public GlobalSaliencyResult SymbolsResult { get; }
    public TimeSeriesDataset Eog { get; }
    public LoadedModel EogModel { get; }
    public GlobalSaliencyResult EogResult { get; }

    public void Dispose()
    {
        SymbolsResult.Dispose(); SymbolsModel.Dispose(); Symbols.Dispose();
        EogResult.Dispose(); EogModel.Dispose(); Eog.Dispose();
    }
}

[Collection(NotebookSessionCollection.Name)]
public sealed class ViewsTests(ViewsFixture fixture) : IDisposable, IClassFixture<ViewsFixture>
{
    private static readonly string PlotlyJsMarker = PlotlyHtml.EscapeForScript(PlotlyHtml.PlotlyJs)[..400];

    public void Dispose() => Formatter.ResetToDefault();

    private static int Count(string text, string part) => text.Split(part).Length - 1;

    private static FigureJson Json(Figure figure) => new(figure.Chart ?? throw new InvalidOperationException($"{figure.Name} is not a chart."));

    [Fact]
    public void The_dataset_view_has_the_summary_table_and_the_papers_plot_of_each_kind()
    {
        KitView symbols = Views.Dataset(fixture.Symbols);
        KitView eog = Views.Dataset(fixture.Eog);

        Assert.Equal(new[] { "label" }, symbols.Tables.Single().Columns.Take(1));
        Assert.Equal(3, symbols.Tables.Single().Rows.Count(row => row[0] is string label && fixture.Symbols.ClassNames.Contains(label)));
        FigureJson trajectories = Json(symbols.Figures.Single());
        Assert.Equal("symbols-dataset", symbols.Figures.Single().Name);
        Assert.Equal("reversed", (string?)trajectories.Layout["yaxis"]!["autorange"]);      // the symbols are drawn with y downwards
        // The paper's symbols plot: one panel per symbol, the points of its sampled trajectories coloured along time.
        Assert.Equal(3, trajectories.OfType("scatter").Count());
        Assert.All(trajectories.OfType("scatter"), panel => Assert.Equal(Views.DefaultMaxCurvesPerLabel * 60, FigureJson.Numbers(panel["x"]).Length));
        FigureJson series = Json(eog.Figures.Single());
        Assert.Equal(3, series.Layout["annotations"]!.AsArray().Count);                      // one panel per digit
        Assert.Equal(3, series.OfType("scatter").Count());                                    // one trace per digit ...
        Assert.All(series.OfType("scatter"), digit => Assert.Equal(Views.DefaultMaxCurvesPerLabel, FigureJson.Segments(digit).Count));   // ... of its sampled series
    }

    [Fact]
    public void The_model_view_tabulates_the_card()
    {
        HtmlTable card = Views.Model(fixture.SymbolsModel).Tables.Single();
        var facts = card.Rows.ToDictionary(row => (string)row[0]!, row => row[1]);

        Assert.Equal(16, facts["latent dimensions D"]);
        Assert.Equal("2 × 60", facts["input (C × L)"]);
        Assert.Equal("standard normal", facts["prior"]);
        Assert.Contains("best validation log-MSE", facts.Keys);
    }

    [Fact]
    public void The_latent_space_is_a_scatter_per_label_with_the_explained_variance_in_the_axis_titles()
    {
        FigureJson pca = Json(Views.LatentSpace(fixture.SymbolsResult).Figures.Single());

        Assert.Equal(new[] { "(", ")", "Ω" }, pca.OfType("scatter").Select(t => (string?)t["name"]).ToArray());
        Assert.Equal(1100, pca.OfType("scatter").Sum(t => t["x"]!.AsArray().Count));
        Assert.Matches(@"^PC1 \(\d+\.\d% of variance\)$", (string?)pca.Layout["xaxis"]!["title"]!["text"]);
    }

    [Fact]
    public void A_pca_fitted_without_a_label_is_fitted_on_the_other_samples_and_applied_to_all()
    {
        int withoutOmega = fixture.Symbols.Labels.Count(l => l != "\\Omega");
        KitView view = Views.LatentSpace(fixture.SymbolsResult, fitWithout: "\\Omega");

        Assert.Contains($"fitted on {withoutOmega} samples", view.Parts.OfType<string>().Single());
        Assert.Equal(1100, Json(view.Figures.Single()).OfType("scatter").Sum(t => t["x"]!.AsArray().Count));
        Assert.Throws<ArgumentException>(() => Views.LatentSpace(fixture.SymbolsResult, fitWithout: "no such label"));
    }

    [Fact]
    public void Global_maps_are_a_grid_of_labels_by_components_with_curves_under_them()
    {
        FigureJson symbols = Json(Views.GlobalMaps(fixture.SymbolsResult, fixture.Symbols).Figures.Single());
        FigureJson eog = Json(Views.GlobalMaps(fixture.EogResult, fixture.Eog).Figures.Single());
        FigureJson firstComponent = Json(Views.GlobalMaps(fixture.EogResult, fixture.Eog, components: 1).Figures.Single());

        Assert.Equal(2 * 3, symbols.OfType("heatmap").Count());
        Assert.Equal(2 * 3, symbols.OfType("scatter").Count());                              // one curves trace per panel
        Assert.All(symbols.OfType("scatter"), panel => Assert.Equal(Views.DefaultMaxCurvesPerLabel, FigureJson.Segments(panel).Count));
        JsonArray yRange = symbols.Layout["yaxis"]!["range"]!.AsArray();
        Assert.True((double)yRange[0]! > (double)yRange[1]!);                                 // y inverted for the symbols
        // Trajectories: each panel on its own scale (its own largest value at the top level); time series: one range per component.
        Assert.All(symbols.OfType("heatmap"), map => Assert.Equal(Charts.MapLevels, FigureJson.Numbers(map["z"]).Max()));
        Assert.Equal(6, eog.OfType("heatmap").Count());
        Assert.Single(eog.OfType("heatmap").Take(3).Select(map => (double)map["meta"]!["zmax"]!).Distinct());
        Assert.Equal(200, FigureJson.Shape(eog.OfType("heatmap").First()["z"]!).Columns);     // one column per time step
        Assert.Equal(3, firstComponent.OfType("heatmap").Count());
    }

    [Fact]
    public void Combined_maps_have_the_labelled_curves_and_one_map_per_component()
    {
        FigureJson combined = Json(Views.CombinedMaps(fixture.EogResult, fixture.Eog).Figures.Single());

        Assert.Equal(2, combined.OfType("heatmap").Count());
        Assert.Equal(new[] { "3", "6", "7" }, combined.Data.Where(t => (bool?)t["showlegend"] == true).Select(t => (string?)t["name"]).ToArray());
    }

    [Fact]
    public void The_gradcam_step_view_shows_layer_device_time_and_maps_every_latent_dimension()
    {
        KitView view = Views.Attribution(fixture.EogResult.GradCamMaps, fixture.Eog, 5);

        string facts = view.Tables.Single().ToString();
        Assert.Contains("encoder.0.layers.6", facts);
        Assert.Contains("cpu", facts, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("seconds", facts);
        Assert.Equal(new[] { "eog-sample-5-gradcam-per-dimension", "eog-mean-gradcam-per-dimension" }, view.Figures.Select(f => f.Name));
        JsonObject sample = Json(view.Figures[0]).OfType("heatmap").Single();
        (int rows, int columns) = FigureJson.Shape(sample["z"]!);
        Assert.Equal(fixture.EogModel.Model.LatentDim, rows);
        // The sample's heatmap row d is |GradCAM| of sample 5 towards z_d over time, as float32.
        double expected = fixture.EogResult.GradCam[5, 17, 3].item<float>();
        Assert.Equal(expected, FigureJson.Numbers(sample["z"])[3 * columns + 17], 6);
        Assert.Single(Views.Attribution(fixture.EogResult.GradCamMaps).Figures);                  // without data: the mean map only
        Assert.Throws<ArgumentOutOfRangeException>(() => Views.Attribution(fixture.EogResult.GradCamMaps, fixture.Eog, fixture.Eog.N));
    }

    [Fact]
    public void The_projection_step_view_colours_one_sample_per_component()
    {
        KitView view = Views.Projection(fixture.EogResult.Projected, fixture.Eog, 5, title: "kit model");

        Assert.Equal(new[] { "eog-sample-5-pc1-projection-kit-model", "eog-sample-5-pc2-projection-kit-model" }, view.Figures.Select(f => f.Name));
        JsonObject coloured = Json(view.Figures[1]).Data.Single(t => (string?)t["mode"] == "markers");
        JsonArray colours = coloured["marker"]!["color"]!.AsArray();
        Assert.Equal(200, colours.Count);
        Assert.Equal(Math.Abs(fixture.EogResult.Projections[5, 40, 1].item<float>()), (double)colours[40]!, 6);
        // One colour range for both components: 0 to the largest |projection| of the sample over both.
        double largest = fixture.EogResult.Projections[5].abs().max().item<float>();
        foreach (var figure in view.Figures)
        {
            var marker = Json(figure).Data.Single(t => (string?)t["mode"] == "markers")["marker"]!;
            Assert.Equal(0, (double)marker["cmin"]!);
            Assert.Equal(largest, (double)marker["cmax"]!, 6);
        }
    }

    [Fact]
    public void The_means_and_pca_step_views_show_their_numbers()
    {
        KitView means = Views.PosteriorMeans(fixture.SymbolsResult.Means);
        Assert.Equal(fixture.SymbolsModel.Model.LatentDim, Json(means.Figures.Single()).OfType("bar").Single()["y"]!.AsArray().Count);
        Assert.Contains(fixture.Symbols.N.ToString(), means.Tables.Single().ToString());

        KitView pca = Views.LatentSpace(fixture.SymbolsResult.PcaFit);
        string table = pca.Tables.Single().ToString();
        Assert.Contains(fixture.SymbolsResult.Pca.ExplainedVarianceRatio[0].ToString("G5", System.Globalization.CultureInfo.InvariantCulture)[..5], table);
        Assert.Equal("symbols-latent-pca", pca.Figures.Single().Name);
    }

    [Fact]
    public void Step_results_display_themselves_in_a_notebook()
    {
        NotebookDisplay.Register();
        var result = fixture.SymbolsResult;
        foreach (object step in new object[] { result.Means, result.GradCamMaps, result.PcaFit, result.Projected, result.Binned, GlobalSaliencySteps.CombineMaps(result.Binned) })
        {
            string html = step.ToDisplayString("text/html");
            Assert.Contains("saliency-view", html);
            Assert.NotEmpty(step.ToDisplayString("text/plain"));
        }
    }

    [Fact]
    public void Kept_and_removed_parts_split_every_drawn_point_per_label()
    {
        FigureJson parts = Json(Views.KeptRemovedParts(fixture.SymbolsResult, fixture.Symbols).Figures.Single());

        Assert.Equal(3 * 2, parts.OfType("scatter").Count());
        Assert.Equal(3 * Views.DefaultMaxCurvesPerLabel * fixture.Symbols.L, parts.OfType("scatter").Sum(t => t["x"]!.AsArray().Count));
    }

    [Fact]
    public void The_brushing_view_holds_the_tool_for_the_run()
    {
        Figure tool = Views.Brushing(fixture.EogResult, fixture.Eog).Figures.Single();

        Assert.Null(tool.Chart);
        Assert.Contains("saliency-brushing", tool.BodyHtml);
    }

    [Fact]
    public void A_sanity_check_view_shows_the_summary_the_curves_and_the_rows()
    {
        SanityCheckResult masking = SanityCheckRegistry.Get("global-masking").Run(new SanityCheckInputs
        {
            Model = fixture.SymbolsModel.Model, Data = SanityData.From(fixture.Symbols).Sample(40), Labels = new[] { "\\Omega" },
        });
        SanityCheckResult keptRemoved = SanityCheckRegistry.Get("kept-removed").Run(new SanityCheckInputs
        {
            Model = fixture.SymbolsModel.Model, Data = SanityData.From(fixture.Symbols).Sample(40),
        });

        KitView view = Views.SanityCheck(masking);
        Assert.Equal(2, view.Tables.Count);                                                   // summary, rows
        FigureJson curve = Json(view.Figures.Single());
        Assert.Equal(10, curve.Data.Single()["x"]!.AsArray().Count);                          // the paper's ten percentiles
        KitView keptView = Views.SanityCheck(keptRemoved);
        Assert.Equal(2, keptView.Figures.Count);                                              // its curve and the PCA of each group
        Assert.Equal(3, Json(keptView.Figures[1]).Layout["annotations"]!.AsArray().Count);    // original, kept, removed
    }

    [Fact]
    public void The_summary_frame_names_the_dataset_the_model_the_run_and_each_check()
    {
        SanityCheckResult masking = SanityCheckRegistry.Get("global-masking").Run(new SanityCheckInputs
        {
            Model = fixture.SymbolsModel.Model, Data = SanityData.From(fixture.Symbols).Sample(20), Labels = new[] { "\\Omega" },
        });

        DataFrame summary = Views.Summary(fixture.Symbols, fixture.SymbolsModel, fixture.SymbolsResult, masking);
        var quantities = Enumerable.Range(0, (int)summary.Rows.Count).Select(i => (string)summary["quantity"][i]).ToList();

        Assert.Equal(new[] { "quantity", "value" }, summary.Columns.Select(c => c.Name));
        Assert.Contains("explained variance ratio PC1", quantities);
        Assert.Contains("global-masking: \\Omega.area", quantities);
        Assert.StartsWith("symbols: 1100 samples", (string)summary["value"][0]);
    }

    [Fact]
    public void Registered_formatters_show_the_kits_objects_with_plotly_js_once_per_session()
    {
        NotebookDisplay.Register();
        string dataset = fixture.Symbols.ToDisplayString("text/html");
        string model = fixture.SymbolsModel.ToDisplayString("text/html");
        string result = fixture.SymbolsResult.ToDisplayString("text/html");
        string view = Views.CombinedMaps(fixture.SymbolsResult).ToDisplayString("text/html");

        Assert.Contains("saliency-table", dataset);
        Assert.Equal(1, Count(dataset, PlotlyJsMarker));
        Assert.Contains("latent dimensions D", model);
        Assert.Equal(3, Count(result, "class=\"saliency-plot\""));                               // PCA, map grid, combined maps
        Assert.Equal(0, Count(result + view, PlotlyJsMarker));
        Assert.StartsWith("Global saliency of symbols: Trajectories maps", fixture.SymbolsResult.ToDisplayString("text/plain"));
    }

    [Fact]
    public void Training_from_a_notebook_shows_live_progress_then_the_curves_and_returns_a_carded_model()
    {
        var shown = new List<object>();
        using LoadedModel trained = TrainingDisplay.Train(fixture.Symbols, 2, CPU, view =>
        {
            shown.Add(view);
            return update => shown.Add(update);
        });

        Assert.IsType<ProgressView>(shown[0]);
        KitView final = Assert.IsType<KitView>(shown[^1]);
        Assert.Equal(2, final.Figures.Count);                                                 // training loss, validation log-MSE
        Assert.Equal(2, trained.Card.Epochs);
        Assert.Equal("symbols", trained.Card.Dataset);
        Assert.Equal(2, ((ProgressView)shown[0]).Curves["validation log-MSE"].Count);
    }

    [Fact]
    public void Curve_sampling_keeps_every_label_and_the_ink_of_all_curves()
    {
        string[] labels = Enumerable.Repeat("a", 300).Concat(Enumerable.Repeat("b", 50)).ToArray();

        (int[] rows, double alpha) = Views.CurveSample(labels, 100, 0.01);

        Assert.Equal(100, rows.Count(i => labels[i] == "a"));
        Assert.Equal(50, rows.Count(i => labels[i] == "b"));
        Assert.Equal(1 - Math.Pow(0.99, 3), alpha, 12);                                      // 300 curves drawn as 100
        Assert.Equal(0.01, Views.CurveSample(labels, 400, 0.01).Alpha, 12);
    }

    [Fact]
    public void Sampling_check_data_keeps_at_most_n_per_label_in_dataset_order()
    {
        SanityData all = SanityData.From(fixture.Symbols);
        SanityData sampled = all.Sample(25);

        Assert.Equal(75, sampled.Labels.Count);
        Assert.Equal(75, sampled.X.shape[0]);
        Assert.All(all.ClassNames, label => Assert.Equal(25, sampled.Labels.Count(l => l == label)));
        Assert.Same(all, all.Sample(1000));
        var rows = Enumerable.Range(0, 75).Select(i => sampled.SourceRow(i)).ToList();       // each sample's row in the dataset
        Assert.Equal(rows.Order(), rows);
        Assert.All(Enumerable.Range(0, 75), i => Assert.Equal(all.Labels[(int)rows[i]], sampled.Labels[i]));
        Assert.Equal(rows, Enumerable.Range(0, 75).Select(i => sampled.Sample(25).SourceRow(i)));   // a sample of a sample keeps the dataset rows
    }

    [Fact]
    public void Local_against_global_masking_draws_one_red_global_curve_over_a_grey_curve_per_reference_named_by_its_dataset_row()
    {
        var inputs = new SanityCheckInputs { Model = fixture.SymbolsModel.Model, Data = SanityData.From(fixture.Symbols).Sample(25), Labels = new[] { "\\Omega" } };
        SanityCheckResult global = SanityCheckRegistry.Get("global-masking").Run(inputs);
        SanityCheckResult local = SanityCheckRegistry.Get("local-masking").Run(inputs);

        FigureJson figure = Json(Views.MaskingComparison(global, local).Figures.Single());
        var locals = figure.Data.Where(t => System.Text.RegularExpressions.Regex.IsMatch((string?)t["name"] ?? "", @"^local \d+$")).ToList();
        Assert.Equal(20, locals.Count);
        Assert.All(locals, t => Assert.Equal("\\Omega", fixture.Symbols.Labels[int.Parse(((string)t["name"]!)[6..])]));
        JsonObject red = figure.Data.Single(t => (string?)t["name"] == "global");
        Assert.Equal(global.Curves.Single().Series.Single().Y.Select(y => (float)y), red["y"]!.AsArray().Select(v => (float)(double)v!));   // written at float32 precision
        Assert.Throws<ArgumentException>(() => Views.MaskingComparison(local, global));
    }
}
