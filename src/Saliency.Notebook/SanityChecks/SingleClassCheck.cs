using Saliency.Notebook.Explainers;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Models;
using Saliency.Notebook.Training;
using static TorchSharp.torch;

namespace Saliency.Notebook.SanityChecks;

/// <summary>One row of <see cref="SingleClassCheck"/>: one class under one model, by one method.</summary>
/// <param name="Label">The class.</param>
/// <param name="Model">single-class, all-classes or checkpoint.</param>
/// <param name="Method">The method whose maps are binned.</param>
/// <param name="MapDensityPearson">Pearson correlation over bins of the class's PC1 map and its point density.</param>
public sealed record SingleClassRow(string Label, string Model, string Method, double MapDensityPearson);

/// <summary>
/// Single-class check (CSDA paper, check 1, adapted): a CVAE is trained (short, seeded) on ONE class only and another with
/// the same settings on all classes; for each, the class's global PC1 map (|GradCAM| projected on the PC1 of the latents of
/// that model's training data, binned on the class's points) is correlated (Pearson over bins) with the class's point
/// density on the same bins, Gaussian-filtered alike. The checkpoint under test is reported too. Several methods share the
/// trained models; each bins its own maps.
/// </summary>
public sealed class SingleClassCheck : MapComparisonCheck
{
    /// <summary>Training epochs of both CVAEs.</summary>
    public int TrainingEpochs { get; init; } = 60;

    /// <summary>Training settings besides epochs and seed (the paper's defaults otherwise).</summary>
    public TrainingOptions Training { get; init; } = new();

    /// <summary>Architecture of the trained CVAEs; null = the checkpoint's own when it is a CVAE or a loaded CVAE checkpoint, else the paper's default with its C, L, D.</summary>
    public CvaeConfig? Architecture { get; init; }

    /// <inheritdoc/>
    public override string Name => "single-class";

    /// <inheritdoc/>
    public override bool IsPerClass => true;

    /// <inheritdoc/>
    public override bool ComparesMethods => true;

    /// <inheritdoc/>
    public override string Description =>
        "Pearson correlation between a class's global PC1 saliency map and the class's point density, for a CVAE trained on that " +
        "class only vs one trained (same settings) on all classes.";

    /// <inheritdoc/>
    public override MetricDirection Direction => MetricDirection.Higher;

    /// <inheritdoc/>
    /// <remarks>
    /// One method: summary keys <c>label.model.map_density_pearson</c> and a chart over the classes. Several: the keys are
    /// prefixed by the method and the chart's x positions are the methods (per class when there are several classes).
    /// </remarks>
    protected override SanityCheckResult Execute(SanityCheckInputs inputs, IReadOnlyList<SaliencyMethod> methods)
    {
        var data = inputs.Data;
        bool single = methods.Count == 1;
        // A loaded checkpoint (what the notebooks and the tool pass) carries its CVAE's architecture as a CVAE does.
        var config = Architecture ?? (inputs.Model switch { CVAE cvae => cvae.Config, LoadedModel loaded => loaded.Model.Config, _ => null })
            ?? new CvaeConfig { Channels = inputs.Model.Channels, Length = inputs.Model.Length, LatentDim = inputs.Model.LatentDim };
        var options = Training with { Epochs = TrainingEpochs, Seed = inputs.Seed, CheckpointPath = null, Resume = false };
        var labels = LabelsOf(inputs);
        string[] modelNames = ["single-class", "all-classes", "checkpoint"];
        string Key(SaliencyMethod method, string label, string model) => $"{(single ? "" : method.Name + ".")}{label}.{model}.map_density_pearson";

        using var allClasses = new Trainer(config, options, inputs.Device).Train(data.X).Model;
        var rows = new List<SingleClassRow>();
        var summary = new Dictionary<string, object> { ["training_epochs"] = TrainingEpochs };
        foreach (var label in labels)
        {
            using var scope = NewDisposeScope();
            var members = tensor(data.IndicesOf(label));
            var classX = data.X.index_select(0, members);
            var classLabels = Enumerable.Repeat(label, (int)classX.shape[0]).ToArray();
            using var singleClass = new Trainer(config, options, inputs.Device).Train(classX).Model;

            var candidates = new (ILatentEncoder Model, Tensor FitData)[] { (singleClass, classX), (allClasses, data.X), (inputs.Model, data.X) };
            for (int c = 0; c < candidates.Length; c++)
            {
                var (model, fitData) = candidates[c];
                var pca = LatentPca.Fit(EncodeWith(inputs, model, fitData), 2);
                foreach (var method in methods)
                {
                    var maps = BinnedMaps(inputs, method, model, pca, classX, classLabels);
                    double correlation = SanityStatistics.Pearson(Flatten(maps.Map(label, 0, normalised: false)), Flatten(Density(maps, classX)));
                    rows.Add(new SingleClassRow(label, modelNames[c], method.Name, correlation));
                    summary[Key(method, label, modelNames[c])] = correlation;
                }
            }
        }
        var positions = single
            ? labels.Select(label => (Label: label, Method: methods[0], Name: label)).ToArray()
            : labels.SelectMany(label => methods.Select(method => (Label: label, Method: method, Name: labels.Count == 1 ? method.Name : $"{label}: {method.Name}"))).ToArray();
        var xs = Enumerable.Range(0, positions.Length).Select(i => (double)i).ToArray();
        var series = modelNames
            .Select(model => new CurveSeries(model, positions.Select(p => (double)summary[Key(p.Method, p.Label, model)]).ToArray())).ToArray();
        var chart = single
            ? new SanityCurve($"PC1 map vs point density per class ({string.Join(", ", labels)})", "class", "Pearson correlation", xs, series, labels.ToArray())
            : new SanityCurve($"PC1 map vs point density per method, class {string.Join(", ", labels)}", labels.Count == 1 ? "method" : "class: method",
                "Pearson correlation", xs, series, positions.Select(p => p.Name).ToArray());
        return Result(inputs, methods, SanityTable.From(rows), summary, chart);
    }
}
