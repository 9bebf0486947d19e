using Saliency.Notebook.Explainers;
using Saliency.Notebook.GlobalMaps;
using static TorchSharp.torch;

namespace Saliency.Notebook.SanityChecks;

/// <summary>One row of <see cref="FlyoverModelsCheck"/>: one model's explained-variance ratio of one component.</summary>
/// <param name="Model">flyover-trained or landing-only.</param>
/// <param name="Component">1-based component.</param>
/// <param name="ExplainedVarianceRatio">Its explained-variance ratio.</param>
public sealed record FlyoverModelsRow(string Model, int Component, double ExplainedVarianceRatio);

/// <summary>
/// Trained vs "untrained" model on the flyover data (aircraft-flyover notebooks): the flyover-trained model and the
/// landing-only model (which never saw a flyover; its PCA is fitted on the non-Flyover samples and then applied to all, as
/// pca_untrained_model). For both: explained-variance ratios and the trajectory PC1 maps. The headline is how much the
/// Flyover class's PC1 map differs between the two (1 − cosine similarity of the normalised maps); also reported is the
/// share of each Flyover map's mass inside the bounding box of the Flyover points. The landing-only explained-variance ratios
/// therefore differ from those gradcam_untrained_model printed (§6.1): its filter <c>mu_list[sample_labels != 5]</c> is a no-op
/// on string labels, so its PCA, and the heatmaps drawn from it, saw all 1183 samples.
/// </summary>
public sealed class FlyoverModelsCheck : MapComparisonCheck
{
    /// <summary>The class the landing-only model never saw.</summary>
    public string NovelLabel { get; init; } = "Flyover";

    /// <summary>PCA components whose explained-variance ratios are reported (the notebooks printed 8).</summary>
    public int ReportedComponents { get; init; } = 8;

    /// <inheritdoc/>
    public override string Name => "flyover-models";

    /// <inheritdoc/>
    public override string Description =>
        "1 − cosine similarity of the Flyover class's normalised PC1 trajectory maps of the flyover-trained and the landing-only " +
        "model (PCA of the latter fitted without flyovers), with both models' explained-variance ratios and map mass inside the flyovers' box.";

    /// <inheritdoc/>
    public override MetricDirection Direction => MetricDirection.Higher;

    /// <inheritdoc/>
    public override IReadOnlyList<string> ApplicableDatasets => ["aircraft-flyover"];

    /// <inheritdoc/>
    public override bool NeedsBaselineModel => true;

    /// <inheritdoc/>
    protected override SanityCheckResult Execute(SanityCheckInputs inputs, IReadOnlyList<SaliencyMethod> methods)
    {
        var data = inputs.Data;
        var method = methods[0];
        var novel = data.IndicesOf(NovelLabel);
        var known = Enumerable.Range(0, data.Labels.Count).Where(i => data.Labels[i] != NovelLabel).Select(i => (long)i).ToArray();
        if (known.Length < 2) throw new ArgumentException($"flyover-models needs samples besides '{NovelLabel}' to fit the landing-only PCA.");

        var models = new[] { ("flyover-trained", inputs.Model, (long[]?)null), ("landing-only", inputs.BaselineModel!, known) };
        var rows = new List<FlyoverModelsRow>();
        var summary = new Dictionary<string, object>();
        var flyoverMaps = new List<double[]>();
        var ratioSeries = new List<CurveSeries>();
        var novelX = data.X.index_select(0, tensor(novel));
        var box = BoundingBox(novelX);
        foreach (var (name, model, fitIndices) in models)
        {
            using var scope = NewDisposeScope();
            var latents = EncodeWith(inputs, model, data.X);
            var fitted = fitIndices is null ? latents : latents.index_select(0, tensor(fitIndices));
            int reported = Math.Min(ReportedComponents, Math.Min((int)fitted.shape[0], model.LatentDim));
            var ratios = LatentPca.Fit(fitted, reported).ExplainedVarianceRatio;
            var pca = LatentPca.Fit(fitted, 2);
            var maps = BinnedMaps(inputs, method, model, pca, data.X, data.Labels);
            var flyover = maps.Map(NovelLabel, 0);
            flyoverMaps.Add(Flatten(flyover));
            for (int k = 0; k < ratios.Length; k++) rows.Add(new FlyoverModelsRow(name, k + 1, ratios[k]));
            summary[$"{name}.explained_variance_ratio"] = string.Join(" ", ratios.Select(r => r.ToString("F6", System.Globalization.CultureInfo.InvariantCulture)));
            summary[$"{name}.flyover_mass_inside_box"] = MassInside(flyover, maps, box);
            ratioSeries.Add(new CurveSeries(name, ratios));
        }
        summary["flyover_map_one_minus_cosine"] = 1 - Cosine(flyoverMaps[0], flyoverMaps[1]);

        int longest = ratioSeries.Max(s => s.Y.Count);
        var padded = ratioSeries.Select(s => new CurveSeries(s.Name, s.Y.Concat(Enumerable.Repeat(double.NaN, longest - s.Y.Count)).ToArray())).ToArray();
        var chart = new SanityCurve("Explained variance ratio per component", "component", "explained variance ratio",
            Enumerable.Range(1, longest).Select(k => (double)k).ToArray(), padded);
        return Result(inputs, methods, SanityTable.From(rows), summary, chart);
    }

    private static (double X0, double X1, double Y0, double Y1) BoundingBox(Tensor x)
    {
        var first = x.select(1, 0);
        var second = x.select(1, 1);
        return (first.min().item<float>(), first.max().item<float>(), second.min().item<float>(), second.max().item<float>());
    }

    /// <summary>Share of the map's total mass in bins whose centre lies inside the box.</summary>
    private static double MassInside(double[,] map, GlobalSaliencyMap maps, (double X0, double X1, double Y0, double Y1) box)
    {
        double inside = 0, total = 0;
        for (int i = 0; i < map.GetLength(0); i++)
        {
            double cx = (maps.FirstAxisEdges[i] + maps.FirstAxisEdges[i + 1]) / 2;
            for (int j = 0; j < map.GetLength(1); j++)
            {
                double cy = (maps.SecondAxisEdges[j] + maps.SecondAxisEdges[j + 1]) / 2;
                total += map[i, j];
                if (cx >= box.X0 && cx <= box.X1 && cy >= box.Y0 && cy <= box.Y1) inside += map[i, j];
            }
        }
        return total > 0 ? inside / total : double.NaN;
    }

    private static double Cosine(double[] a, double[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i];
        }
        return na > 0 && nb > 0 ? dot / Math.Sqrt(na * nb) : double.NaN;
    }
}
