using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Pipeline;

/// <summary>Which binning of §3.2 the global maps use: time × value (time series) or x × y (trajectories).</summary>
public enum MapVariant
{
    /// <summary>x = time step, y = channel-0 value; maps combined over labels by sum (eog notebook).</summary>
    TimeSeries,
    /// <summary>x = channel 0, y = channel 1; maps combined over labels by pixel-wise max (the trajectory notebooks).</summary>
    Trajectories,
}

/// <summary>Settings of one global-saliency run; the defaults are the paper's (K = 2, grid 200, sigma 5, the last encoder conv).</summary>
public sealed record PipelineOptions
{
    /// <summary>Principal components K.</summary>
    public int Components { get; init; } = 2;
    /// <summary>The largest <see cref="GridSize"/>: 10× the paper's 200; one map of 2000² bins is already 32 MB per label and component.</summary>
    public const int MaxGridSize = 2000;

    /// <summary>The largest <see cref="Sigma"/>: a kernel of 8001 taps, wider than any map of <see cref="MaxGridSize"/> bins.</summary>
    public const double MaxSigma = 1000;

    /// <summary>Bins per map axis (the time axis of a time-series map always has L bins).</summary>
    public int GridSize { get; init; } = 200;
    /// <summary>Gaussian filter sigma, in bins.</summary>
    public double Sigma { get; init; } = 5;
    /// <summary>The hooked encoder layer.</summary>
    public string Layer { get; init; } = GradCam.PaperLayer;
    /// <summary>Rows per forward/backward pass (samples × latent targets), bounding memory; null picks the device's default.</summary>
    public int? BatchSize { get; init; }
    /// <summary>The binning variant; null picks the dataset's own (time series for eog, trajectories for the others).</summary>
    public MapVariant? Variant { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate(int latentDim)
    {
        if (Components < 1 || Components > latentDim)
            throw new ArgumentException($"--components must be between 1 and the latent size {latentDim}; got {Components}.");
        if (GridSize is < 2 or > MaxGridSize) throw new ArgumentException($"--grid must be between 2 and {MaxGridSize} bins per axis; got {GridSize}.");
        if (!(Sigma >= 0 && Sigma <= MaxSigma))
            throw new ArgumentException($"--sigma must be a number between 0 and {MaxSigma} bins; got {Sigma}.");
        if (BatchSize is < 1) throw new ArgumentException($"--batch-size must be positive; got {BatchSize}.");
    }
}

/// <summary>Seconds spent in each stage of a pipeline run.</summary>
public sealed record PipelineTimings(double EncodeSeconds, double GradCamSeconds, double PcaSeconds, double ProjectionSeconds, double MapsSeconds)
{
    /// <summary>All stages together.</summary>
    public double TotalSeconds => EncodeSeconds + GradCamSeconds + PcaSeconds + ProjectionSeconds + MapsSeconds;
}

/// <summary>
/// The paper's global saliency method end to end (§3): the results of the six <see cref="GlobalSaliencySteps"/> — posterior
/// means, |GradCAM| towards every latent dimension at one encoder layer, PCA of the means, the maps projected on the principal
/// directions (not centred), binned, Gaussian-filtered maps per label and component — held together. Tensors live on the CPU.
/// </summary>
public sealed class GlobalSaliencyResult : IDisposable
{
    private GlobalSaliencyResult(PosteriorMeans means, Attribution gradCam, LatentPcaFit pca, ProjectedGradCam projections,
        BinnedGlobalMaps maps, PipelineOptions options)
    {
        Means = means; GradCamMaps = gradCam; PcaFit = pca; Projected = projections; Binned = maps; Options = options;
    }

    /// <summary>
    /// The result of steps run one by one (a notebook's cells), for what needs them all (the kept/removed parts, the brushing
    /// tool, the summary). The result takes over the steps' tensors: disposing it disposes them.
    /// </summary>
    public static GlobalSaliencyResult FromSteps(PosteriorMeans means, Attribution gradCam, LatentPcaFit pca, ProjectedGradCam projections, BinnedGlobalMaps maps) =>
        FromSteps(means, gradCam, pca, projections, maps, null);

    internal static GlobalSaliencyResult FromSteps(PosteriorMeans means, Attribution gradCam, LatentPcaFit pca, ProjectedGradCam projections,
        BinnedGlobalMaps maps, PipelineOptions? options)
    {
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(gradCam);
        ArgumentNullException.ThrowIfNull(pca);
        ArgumentNullException.ThrowIfNull(projections);
        ArgumentNullException.ThrowIfNull(maps);
        if (gradCam.Method != "gradcam" || gradCam.Dataset is null)
            throw new ArgumentException($"Step 2 of a run is GradCAM of the dataset towards every latent dimension; got {gradCam.Method} of {gradCam.Dataset ?? "a bare tensor"}.", nameof(gradCam));
        if (new[] { gradCam.Dataset, pca.Dataset, projections.Dataset, maps.Dataset }.Any(name => name != means.Dataset))
            throw new ArgumentException($"The steps come from different datasets: {means.Dataset}, {gradCam.Dataset}, {pca.Dataset}, {projections.Dataset}, {maps.Dataset}.");
        if (pca.FittedWithout != null)
            throw new ArgumentException($"The maps of a run use the PCA fitted on all samples; this one left out '{pca.FittedWithout}'.", nameof(pca));
        options ??= new PipelineOptions
        {
            Components = pca.Pca.ComponentCount, GridSize = maps.GridSize, Sigma = maps.Sigma, Layer = gradCam.Layer ?? Explainers.GradCam.PaperLayer,
            BatchSize = gradCam.BatchSize, Variant = maps.Variant,
        };
        return new GlobalSaliencyResult(means, gradCam, pca, projections, maps, options);
    }

    /// <summary>Step 1: the posterior means.</summary>
    public PosteriorMeans Means { get; }
    /// <summary>Step 2: |GradCAM| towards every latent dimension.</summary>
    public Attribution GradCamMaps { get; }
    /// <summary>Step 3: the PCA of the means and the samples' scores.</summary>
    public LatentPcaFit PcaFit { get; }
    /// <summary>Step 4: the projections on the components.</summary>
    public ProjectedGradCam Projected { get; }
    /// <summary>Step 5: the binned maps per label and component.</summary>
    public BinnedGlobalMaps Binned { get; }

    /// <summary>Dataset name.</summary>
    public string Dataset => Means.Dataset;
    /// <summary>Posterior means (N, D), float32.</summary>
    public Tensor Latents => Means.Values;
    /// <summary>|GradCAM| (N, L, D), float32.</summary>
    public Tensor GradCam => GradCamMaps.Values;
    /// <summary>PCA of the latents.</summary>
    public LatentPca Pca => PcaFit.Pca;
    /// <summary>GradCAM projected on the K components (N, L, K), float32.</summary>
    public Tensor Projections => Projected.Values;
    /// <summary>Per-sample labels (dataset order).</summary>
    public IReadOnlyList<string> Labels => Means.Labels;
    /// <summary>The binning used.</summary>
    public MapVariant Variant => Binned.Variant;
    /// <summary>Maps per label and component, before and after normalisation.</summary>
    public GlobalSaliencyMap Maps => Binned.Maps;
    /// <summary>The settings of the run.</summary>
    public PipelineOptions Options { get; }
    /// <summary>Stage timings.</summary>
    public PipelineTimings Timings => new(Means.Seconds, GradCamMaps.Seconds, PcaFit.Seconds, Projected.Seconds, Binned.Seconds);
    /// <summary>The device GradCAM ran on.</summary>
    public string Device => GradCamMaps.Device;

    /// <summary>How labels are combined into one map per component: sum for time series, max for trajectories (as the paper's notebooks).</summary>
    public LabelCombination Combination => Binned.Combination;

    /// <summary>The combined normalised map of each component, (K, G1, G2).</summary>
    public double[,,] Combined() => Maps.CombineAll(Combination);

    /// <summary>
    /// The kept-vs-removed mask (N, L) of the run's |GradCAM| (<see cref="SalientSteps.PruningMask"/>): true where the normalised
    /// |PC1| GradCAM is ≥ <paramref name="fraction"/> of its maximum (the original's 0.2). The caller disposes it.
    /// </summary>
    public Tensor PruningMask(double fraction = 0.2) => SalientSteps.PruningMask(GradCam, Pca, fraction);

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Means.Dispose();
        GradCamMaps.Dispose();
        PcaFit.Dispose();
        Projected.Dispose();
    }
}

/// <summary>Runs the paper's global saliency method on a model and a dataset, batched, on the model's device.</summary>
public static class GlobalSaliencyPipeline
{
    /// <summary>The paper's binning for a dataset: time series for eog, trajectories for the other three.</summary>
    public static MapVariant DefaultVariant(DatasetInfo dataset) =>
        dataset.PlotKind == PlotKind.TimeSeries ? MapVariant.TimeSeries : MapVariant.Trajectories;

    /// <summary>
    /// Encodes <paramref name="data"/>, computes |GradCAM| towards all latent dimensions, fits the PCA, projects and bins.
    /// <paramref name="device"/> defaults to the model's. <paramref name="progress"/> receives the name of each stage as it starts.
    /// </summary>
    public static GlobalSaliencyResult Run(ILatentEncoder model, TimeSeriesDataset data, PipelineOptions? options = null,
        Device? device = null, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new PipelineOptions();
        options.Validate(model.LatentDim);
        if (data.C != model.Channels || data.L != model.Length)
            throw new ArgumentException($"The model takes {model.Channels} channel(s) × length {model.Length}; dataset '{data.Info.Name}' has {data.C} × {data.L}.");
        device ??= model.Root.parameters().FirstOrDefault()?.device ?? CPU;
        MapVariant variant = options.Variant ?? DefaultVariant(data.Info);
        if (variant == MapVariant.Trajectories && data.C < 2)
            throw new ArgumentException($"The trajectory maps need two channels; dataset '{data.Info.Name}' has {data.C}. Use the time-series variant.");

        var done = new List<IDisposable>();
        T Step<T>(string name, Func<T> run) where T : class
        {
            progress?.Report(name);
            T result = run();
            if (result is IDisposable disposable) done.Add(disposable);
            return result;
        }
        try
        {
            var means = Step("encode", () => GlobalSaliencySteps.Encode(model, data, device, options.BatchSize));
            var gradCam = Step("gradcam", () => GlobalSaliencySteps.ComputeGradCam(model, data, device, options.Layer, options.BatchSize));
            var pca = Step("pca", () => GlobalSaliencySteps.FitPca(means, options.Components));
            var projections = Step("projection", () => GlobalSaliencySteps.Project(gradCam, pca));
            var maps = Step("maps", () => GlobalSaliencySteps.BinMaps(data, projections, variant, options.GridSize, options.Sigma));
            return GlobalSaliencyResult.FromSteps(means, gradCam, pca, projections, maps, options);
        }
        catch
        {
            foreach (IDisposable step in done) step.Dispose();
            throw;
        }
    }
}
