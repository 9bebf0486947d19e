using Microsoft.Data.Analysis;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.IO;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.SanityChecks;

/// <summary>
/// The series a check runs on: X (N, C, L) float32 on the CPU, one label per sample, and the dataset's registry name
/// (which decides whether a check applies). Built from a loaded dataset or by hand for synthetic cases.
/// </summary>
/// <param name="X">Samples (N, C, L), float32, CPU.</param>
/// <param name="Labels">One label per sample.</param>
/// <param name="DatasetName">Registry name (symbols, eog, aircraft, aircraft-flyover), the name of data of your own, or a synthetic name.</param>
public sealed record SanityData(Tensor X, IReadOnlyList<string> Labels, string DatasetName)
{
    /// <summary>The samples and labels of a loaded dataset (X is shared, not copied).</summary>
    public static SanityData From(TimeSeriesDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new SanityData(dataset.X, dataset.Labels, dataset.Info.Name);
    }

    /// <summary>
    /// At most <paramref name="maxPerLabel"/> samples of each label, evenly spaced in dataset order (so augmentations of every
    /// original stay represented), to keep a slow check short; the whole data when every label is that small.
    /// </summary>
    public SanityData Sample(int maxPerLabel)
    {
        if (maxPerLabel < 1) throw new ArgumentOutOfRangeException(nameof(maxPerLabel), maxPerLabel, "At least one sample per label is needed.");
        var rows = new List<long>();
        foreach (var group in Enumerable.Range(0, Labels.Count).GroupBy(i => Labels[i]))
        {
            int[] members = group.ToArray();
            int kept = Math.Min(maxPerLabel, members.Length);
            rows.AddRange(Enumerable.Range(0, kept).Select(k => (long)members[(int)((long)k * members.Length / kept)]));
        }
        if (rows.Count == Labels.Count) return this;
        rows.Sort();
        Tensor sampled;
        using (NewDisposeScope()) sampled = X.index_select(0, tensor(rows.ToArray())).DetachFromDisposeScope();
        return new SanityData(sampled, rows.Select(i => Labels[(int)i]).ToArray(), DatasetName) { SourceRows = rows.Select(SourceRow).ToArray() };
    }

    /// <summary>
    /// The dataset row of each sample when these data are a <see cref="Sample"/> of a dataset, so that a check names samples by
    /// their index in the dataset; null: sample i is row i.
    /// </summary>
    public IReadOnlyList<long>? SourceRows { get; init; }

    /// <summary>The dataset row of sample <paramref name="i"/> (see <see cref="SourceRows"/>).</summary>
    public long SourceRow(long i) => SourceRows is { } rows ? rows[(int)i] : i;

    /// <summary>The distinct labels in numpy.unique order.</summary>
    public IReadOnlyList<string> ClassNames => LabelOrder.Distinct(Labels);

    /// <summary>Indices of the samples labelled <paramref name="label"/>, or an error naming the labels there are.</summary>
    public long[] IndicesOf(string label)
    {
        var indices = Enumerable.Range(0, Labels.Count).Where(i => Labels[i] == label).Select(i => (long)i).ToArray();
        if (indices.Length == 0)
            throw new ArgumentException($"no sample of {DatasetName} is labelled '{label}'; labels: {string.Join(", ", ClassNames)}.");
        return indices;
    }
}

/// <summary>What a check runs on: the model, the data, the method and the settings every check shares.</summary>
public sealed record SanityCheckInputs
{
    /// <summary>The model whose saliency is checked (the flyover-trained model for <c>flyover-models</c>).</summary>
    public required ILatentEncoder Model { get; init; }

    /// <summary>The data.</summary>
    public required SanityData Data { get; init; }

    /// <summary>The second model of a two-model check (<c>flyover-models</c>: the landing-only model).</summary>
    public ILatentEncoder? BaselineModel { get; init; }

    /// <summary>Method names to run, repeats dropped; empty = the check's default methods. Only a check that compares methods takes more than one.</summary>
    public IReadOnlyList<string> Methods { get; init; } = [];

    /// <summary>Labels to restrict a per-class check (<see cref="SanityCheck.IsPerClass"/>) to, repeats dropped; empty = every class.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>Device the model lives on; x is moved there.</summary>
    public Device Device { get; init; } = CPU;

    /// <summary>
    /// Rows per forward/backward pass; by default <see cref="LatentExplainer.DefaultBatchSizeFor"/> the device (1024 on a CPU,
    /// where 4096 rows of eog made the checks 5× slower: the activations leave the caches and glibc's heap).
    /// </summary>
    public int BatchSize
    {
        get => _batchSize ?? LatentExplainer.DefaultBatchSizeFor(Device);
        init => _batchSize = value;
    }

    private readonly int? _batchSize;

    /// <summary>Seed of every random choice a check makes (reference samples, re-initialisations, trainings).</summary>
    public long Seed { get; init; } = 42;

    /// <summary>The methods' settings (GradCAM layer and mode, integration steps): the registry's defaults unless changed.</summary>
    public MethodSettings Settings { get; init; } = MethodSettings.Default;
}

/// <summary>
/// A sanity check of saliency maps: a named metric with a description, the direction in which it improves and the
/// methods and datasets it applies to. <see cref="Run"/> validates the inputs against that metadata and returns a
/// <see cref="SanityCheckResult"/>; subclasses implement <see cref="Execute"/> only.
/// </summary>
public abstract class SanityCheck
{
    /// <summary>The check's command-line name.</summary>
    public abstract string Name { get; }

    /// <summary>What the check measures, in one or two sentences.</summary>
    public abstract string Description { get; }

    /// <summary>Which way the headline metric improves.</summary>
    public abstract MetricDirection Direction { get; }

    /// <summary>
    /// The methods it can run (names in the <see cref="SaliencyMethod"/> registry): every method whose maps are over time steps,
    /// since a check masks, shifts, corrupts or bins time steps.
    /// </summary>
    public virtual IReadOnlyList<string> ApplicableMethods =>
        MethodRegistry.All.Where(m => m.Axis == AttributionAxis.Time).Select(m => m.Name).ToArray();

    /// <summary>The methods it runs when none is chosen: the paper's GradCAM.</summary>
    public virtual IReadOnlyList<string> DefaultMethods => [MethodRegistry.GradCam.Name];

    /// <summary>The datasets (registry names) it applies to; null: any dataset, the paper's and yours.</summary>
    public virtual IReadOnlyList<string>? ApplicableDatasets => null;

    /// <summary>Whether it compares against <see cref="SanityCheckInputs.BaselineModel"/>.</summary>
    public virtual bool NeedsBaselineModel => false;

    /// <summary>Whether one run computes several methods side by side; the others run one method, and more is an error.</summary>
    public virtual bool ComparesMethods => false;

    /// <summary>Whether it reports per class, so that <see cref="SanityCheckInputs.Labels"/> restricts it; for the others labels are an error.</summary>
    public virtual bool IsPerClass => false;

    /// <summary>Checks the inputs against the metadata, runs the check inside a dispose scope and returns its result.</summary>
    public SanityCheckResult Run(SanityCheckInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        inputs = inputs with { Labels = inputs.Labels.Distinct(StringComparer.Ordinal).ToArray() };
        var methods = ResolveMethods(inputs);
        Validate(inputs);
        using var scope = torch.NewDisposeScope();
        return Execute(inputs, methods);
    }

    /// <summary>Computes the check for validated inputs and the resolved methods.</summary>
    protected abstract SanityCheckResult Execute(SanityCheckInputs inputs, IReadOnlyList<SaliencyMethod> methods);

    /// <summary>Throws an <see cref="ArgumentException"/> saying why the inputs do not fit this check.</summary>
    protected virtual void Validate(SanityCheckInputs inputs)
    {
        var data = inputs.Data;
        if (ApplicableDatasets is { } only && !only.Contains(data.DatasetName, StringComparer.OrdinalIgnoreCase))
            throw new ArgumentException($"check '{Name}' does not apply to dataset '{data.DatasetName}'; it applies to: {string.Join(", ", only)}.");
        if (NeedsBaselineModel && inputs.BaselineModel is null)
            throw new ArgumentException($"check '{Name}' compares two models and needs a baseline model (--baseline-checkpoint).");
        if (data.X.dim() != 3 || data.X.shape[1] != inputs.Model.Channels || data.X.shape[2] != inputs.Model.Length)
            throw new ArgumentException($"the data are [{string.Join(", ", data.X.shape)}] but the model takes (N, {inputs.Model.Channels}, {inputs.Model.Length}).");
        if (data.Labels.Count != data.X.shape[0])
            throw new ArgumentException($"there are {data.Labels.Count} labels for {data.X.shape[0]} samples.");
        if (inputs.Labels.Count > 0 && !IsPerClass)
            throw new ArgumentException($"check '{Name}' does not report per class, so labels (--label) do not apply to it.");
        foreach (var label in inputs.Labels) data.IndicesOf(label);
    }

    /// <summary>The labels a per-class check covers: the requested ones, else every class.</summary>
    protected static IReadOnlyList<string> LabelsOf(SanityCheckInputs inputs) =>
        inputs.Labels.Count > 0 ? inputs.Labels : inputs.Data.ClassNames;

    /// <summary>Bundles rows, summary and curves with this check's metadata.</summary>
    protected SanityCheckResult Result(SanityCheckInputs inputs, IReadOnlyList<SaliencyMethod> methods, DataFrame rows,
        IReadOnlyDictionary<string, object> summary, params SanityCurve[] curves) =>
        new(Name, Description, Direction, inputs.Data.DatasetName, string.Join(",", methods.Select(m => m.Name)), rows, summary, curves);

    /// <summary>Posterior means (N, D) float32 on the CPU, batched, without a graph.</summary>
    protected static Tensor Encode(SanityCheckInputs inputs, Tensor x, ILatentEncoder? model = null) =>
        (model ?? inputs.Model).PosteriorMeans(x, inputs.Device, inputs.BatchSize);

    private IReadOnlyList<SaliencyMethod> ResolveMethods(SanityCheckInputs inputs)
    {
        var names = inputs.Methods.Count > 0 ? inputs.Methods : DefaultMethods;
        var methods = names.Select(MethodRegistry.Get).Distinct().ToArray();
        foreach (var method in methods)
            if (!ApplicableMethods.Contains(method.Name))
                throw new ArgumentException($"check '{Name}' does not apply to method '{method.Name}'; it applies to: {string.Join(", ", ApplicableMethods)}.");
        if (methods.Length > 1 && !ComparesMethods)
            throw new ArgumentException($"check '{Name}' runs one method at a time; got {string.Join(", ", methods.Select(m => m.Name))}. Run it once per method.");
        return methods;
    }
}

/// <summary>The kit's one registry of sanity checks, by name: what the tool (<c>saliency sanity --check</c>) and the notebooks pick from.</summary>
public static class SanityCheckRegistry
{
    /// <summary>Every check with its default settings, in the order of the documentation.</summary>
    public static IReadOnlyList<SanityCheck> All { get; } =
    [
        new GlobalMaskingCheck(), new LocalMaskingCheck(), new KeptRemovedCheck(), new FlyoverModelsCheck(),
        new SingleClassCheck(), new TranslationCheck(), new CorruptionCheck(), new RandomisationCheck(),
    ];

    /// <summary>The check called <paramref name="name"/> (case-insensitive), or an error listing the names.</summary>
    public static SanityCheck Get(string name) => Registry.Find(All, c => c.Name, name, "check");
}
