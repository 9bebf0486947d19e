using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.SanityChecks;

/// <summary>One row of <see cref="RandomisationCheck"/>: one method's maps after one re-initialisation step.</summary>
/// <param name="Method">The method.</param>
/// <param name="Mode">cascading or independent.</param>
/// <param name="Step">1-based step.</param>
/// <param name="Layers">The re-initialised layers ('+'-joined when cascading).</param>
/// <param name="SpearmanAbs">Spearman correlation of the |maps| with the trained model's.</param>
/// <param name="SpearmanSigned">Spearman correlation of the signed maps.</param>
/// <param name="Ssim">SSIM of the |maps| as images.</param>
public sealed record RandomisationRow(string Method, string Mode, int Step, string Layers, double SpearmanAbs, double SpearmanSigned, double Ssim);

/// <summary>
/// Model-parameter randomisation (Adebayo et al., "Sanity checks for saliency maps"): the layers on the encoder path are
/// re-initialised (PyTorch's default init, seeded) top-down and cumulatively (cascading: the latent head first, then the
/// last conv, ...) and one at a time (independent); at every step the maps of the trained and the randomised model are
/// compared by Spearman rank correlation (of |maps| and of signed maps) and SSIM. A method whose maps depend on the
/// learned weights loses its correlation; one that stays correlated explains the input, not the model. The model is
/// restored afterwards.
/// </summary>
public sealed class RandomisationCheck : MapComparisonCheck
{
    /// <summary>A method passes when |Spearman(|maps|)| stays below this at every cascading step.</summary>
    public double PassThreshold { get; init; } = 0.5;

    /// <summary>How a layer is re-initialised; the default is PyTorch's (weights and biases uniform in ±1/√fan_in).</summary>
    public Action<nn.Module, Generator> Reinitialise { get; init; } = PyTorchDefaultInit;

    /// <inheritdoc/>
    public override string Name => "randomisation";

    /// <inheritdoc/>
    public override bool ComparesMethods => true;

    /// <inheritdoc/>
    public override string Description =>
        "Spearman rank correlation (|maps| and signed) and SSIM between the maps of the trained model and of models whose encoder " +
        "layers are re-initialised, cascading from the top and one layer at a time; a method passes when the correlation drops " +
        "below the threshold at every cascading step.";

    /// <inheritdoc/>
    public override MetricDirection Direction => MetricDirection.Lower;

    /// <inheritdoc/>
    /// <remarks>Every method of the registry, frequency-domain ones included: the check compares a method's maps with themselves.</remarks>
    public override IReadOnlyList<string> ApplicableMethods => MethodRegistry.Names;

    /// <inheritdoc/>
    public override IReadOnlyList<string> DefaultMethods => ApplicableMethods;

    /// <summary>PyTorch's default initialisation of Conv1d and Linear (<see cref="LayerInitialisation.PyTorchDefault"/>).</summary>
    public static void PyTorchDefaultInit(nn.Module layer, Generator generator) => LayerInitialisation.PyTorchDefault(layer, generator);

    /// <summary>
    /// The parameterised layers PosteriorMean runs, from the output down (the order of a cascade): traced with forward hooks
    /// on one sample. For the CVAE: lsr.z_loc, encoder.0.layers.6, .3, .0.
    /// </summary>
    public static IReadOnlyList<string> EncoderPathTopDown(ILatentEncoder model, Tensor sample)
    {
        ArgumentNullException.ThrowIfNull(model);
        var fired = new List<string>();
        var removers = new List<Action>();
        foreach (var (name, module) in model.Root.named_modules())
        {
            if (name.Length == 0 || module is not nn.Module<Tensor, Tensor> layer || !module.named_parameters(recurse: false).Any()) continue;
            string layerName = name;
            var remover = layer.register_forward_hook((_, _, output) =>
            {
                if (!fired.Contains(layerName)) fired.Add(layerName);
                return output;
            });
            removers.Add(remover.remove);
        }
        try
        {
            using var noGrad = no_grad();
            using var latent = model.PosteriorMean(sample);
        }
        finally
        {
            foreach (var remove in removers) remove();
        }
        fired.Reverse();
        return fired;
    }

    /// <inheritdoc/>
    protected override SanityCheckResult Execute(SanityCheckInputs inputs, IReadOnlyList<SaliencyMethod> methods)
    {
        var model = inputs.Model;
        var x = SampleSubset(inputs);
        var layers = EncoderPathTopDown(model, x.narrow(0, 0, 1).to(inputs.Device));
        var modules = model.Root.named_modules().ToDictionary(m => m.name, m => m.module);
        var trained = model.Root.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

        var rows = new List<RandomisationRow>();
        var summary = new Dictionary<string, object> { ["layers_top_down"] = layers, ["pass_threshold"] = PassThreshold };
        var cascadeSeries = new List<CurveSeries>();
        var passing = new List<string>();
        try
        {
            foreach (var method in methods)
            {
                using var reference = method.Maps(model, x, inputs.Device, inputs.BatchSize, inputs.Settings);
                void Record(string mode, int step, string layer, MapSimilarity similarity) =>
                    rows.Add(new RandomisationRow(method.Name, mode, step, layer, similarity.SpearmanAbsolute, similarity.SpearmanSigned, similarity.Ssim));
                MapSimilarity Measure()
                {
                    using var randomised = method.Maps(model, x, inputs.Device, inputs.BatchSize, inputs.Settings);
                    return Compare(reference, randomised);
                }

                var cascade = new List<double> { 1 };
                for (int step = 0; step < layers.Count; step++)
                {
                    Reinitialise(modules[layers[step]], LayerGenerator(inputs.Seed, step));
                    var similarity = Measure();
                    Record("cascading", step + 1, string.Join("+", layers.Take(step + 1)), similarity);
                    cascade.Add(similarity.SpearmanAbsolute);
                }
                Restore(model, trained);
                for (int step = 0; step < layers.Count; step++)
                {
                    Reinitialise(modules[layers[step]], LayerGenerator(inputs.Seed, step));
                    Record("independent", step + 1, layers[step], Measure());
                    Restore(model, trained);
                }

                double worst = cascade.Skip(1).Max(Math.Abs);
                bool passes = worst < PassThreshold;
                summary[$"{method.Name}.max_cascading_abs_spearman"] = worst;
                summary[$"{method.Name}.final_cascading_abs_spearman"] = cascade[^1];
                summary[$"{method.Name}.passes"] = passes;
                if (passes) passing.Add(method.Name);
                cascadeSeries.Add(new CurveSeries(method.Name, cascade));
            }
        }
        finally
        {
            Restore(model, trained);
        }
        summary["passing_methods"] = passing;

        var chart = new SanityCurve("Cascading randomisation: rank correlation with the trained model's maps",
            "layers re-initialised from the top (0 = trained)", "Spearman rank correlation of |maps|",
            Enumerable.Range(0, layers.Count + 1).Select(i => (double)i).ToArray(), cascadeSeries);
        return Result(inputs, methods, SanityTable.From(rows), summary, chart);
    }

    /// <summary>The generator of layer <paramref name="step"/>: the same draw in the cascading and the independent pass.</summary>
    private static Generator LayerGenerator(long seed, int step) => new((ulong)(seed * 1000 + step));

    private static void Restore(ILatentEncoder model, Dictionary<string, Tensor> trained)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.Root.named_parameters()) parameter.copy_(trained[name]);
    }
}
