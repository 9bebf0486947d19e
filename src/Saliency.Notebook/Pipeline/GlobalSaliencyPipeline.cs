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
        if (PipelineGuards.GridProblem(GridSize, Sigma) is var (setting, problem)) throw new ArgumentException($"--{setting} {problem}");
        if (BatchSize is < 1) throw new ArgumentException($"--batch-size must be positive; got {BatchSize}.");
    }
}

/// <summary>
/// The paper's global saliency method end to end (§3): the results of the six <see cref="GlobalSaliencySteps"/> — posterior
/// means, |GradCAM| towards every latent dimension at one encoder layer, PCA of the means, the maps projected on the principal
/// directions (not centred), binned, Gaussian-filtered maps per label and component — held together. Tensors live on the CPU.
/// </summary>
public sealed class GlobalSaliencyResult : IDisposable
{
    internal GlobalSaliencyResult(PosteriorMeans means, Attribution gradCam, LatentPcaFit pca, ProjectedGradCam projections,
        BinnedGlobalMaps maps, GlobalMapsRun run)
    {
        Means = means; GradCamMaps = gradCam; PcaFit = pca; Projected = projections; Binned = maps; Run = run;
    }

    /// <summary>
    /// The result of steps run one by one (a notebook's cells), for what needs them all (the kept/removed parts, the brushing
    /// tool, the summary). The result takes over the steps' tensors: disposing it disposes them.
    /// </summary>
    public static GlobalSaliencyResult FromSteps(PosteriorMeans means, Attribution gradCam, LatentPcaFit pca, ProjectedGradCam projections, BinnedGlobalMaps maps)
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
        var options = new PipelineOptions
        {
            Components = pca.Pca.ComponentCount, GridSize = maps.GridSize, Sigma = maps.Sigma, Layer = gradCam.Layer ?? Explainers.GradCam.PaperLayer,
            BatchSize = gradCam.BatchSize, Variant = maps.Variant,
        };
        var timings = new PipelineTimings(means.Seconds, pca.Seconds, gradCam.Seconds, projections.Seconds, maps.BinningSeconds, maps.FinishSeconds);
        var run = new GlobalMapsRun(means.Dataset, means.Count, (int)gradCam.Values.shape[1], means.LatentDim, pca.Pca, maps.Variant, maps.Maps, options,
            timings, gradCam.Device, gradCam.Route == Explainers.GradCam.AffineRoute ? GradCamPath.AffineHead : GradCamPath.General, null);
        return new GlobalSaliencyResult(means, gradCam, pca, projections, maps, run);
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
    /// <summary>What the run computed without the per-sample arrays: what <c>summary.json</c> is written from.</summary>
    public GlobalMapsRun Run { get; }
    /// <summary>The settings of the run.</summary>
    public PipelineOptions Options => Run.Options;
    /// <summary>Stage timings.</summary>
    public PipelineTimings Timings => Run.Timings;
    /// <summary>The device GradCAM ran on.</summary>
    public string Device => Run.Device;

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
    /// <summary>
    /// The method on <paramref name="data"/> in one call: the engine (<see cref="StreamingGlobalSaliency"/>) over the dataset's chunks,
    /// keeping every sample's latents, |GradCAM| and projections in memory, with scikit-learn's PCA of the kept latents (the
    /// notebook's step 3). <paramref name="device"/> defaults to the model's; <paramref name="progress"/> receives the engine's progress.
    /// The six steps called one by one give the same numbers.
    /// </summary>
    public static GlobalSaliencyResult Run(ILatentEncoder model, TimeSeriesDataset data, PipelineOptions? options = null,
        Device? device = null, IProgress<StreamingProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new PipelineOptions();
        PipelineGuards.Check(model, data.Info.Name, data.C, data.L, data.Info.PlotKind, options);
        device ??= model.ParameterDevice();
        var latents = new List<Tensor>();
        var gradCams = new List<Tensor>();
        var projections = new List<Tensor>();
        var sinks = new StreamingSinks(Keep(latents), Keep(gradCams), Keep(projections));
        try
        {
            using var scope = NewDisposeScope();                              // the concatenations that are not kept
            var run = StreamingGlobalSaliency.Run(model, ChunkedSeries.From(data), options, device, sinks, progress,
                (_, components) => LatentPca.Fit(cat(latents, 0), components), CancellationToken.None);
            var t = run.Timings;
            var means = new PosteriorMeans(data.Info.Name, cat(latents, 0).DetachFromDisposeScope(), data.Labels, run.Device, t.EncodeSeconds);
            var gradCam = new Attribution(cat(gradCams, 0).DetachFromDisposeScope(), "N,L,T", LatentTarget.AllDimensions.Names(model.LatentDim))
            {
                Method = MethodRegistry.GradCam.Name, Settings = MethodRegistry.GradCam.Describe(MethodSettings.Default with { Layer = options.Layer }),
                Device = run.Device, Seconds = t.GradCamSeconds, Layer = options.Layer, Dataset = data.Info.Name, Labels = data.Labels,
                Route = run.GradCamPath == GradCamPath.AffineHead ? Explainers.GradCam.AffineRoute : Explainers.GradCam.GeneralRoute,
                BatchSize = options.BatchSize ?? LatentExplainer.DefaultBatchSizeFor(device),
            };
            var pca = new LatentPcaFit(data.Info.Name, run.Pca, run.Pca.Transform(means.Values).DetachFromDisposeScope(), data.Labels, null, t.PcaSeconds);
            var projected = new ProjectedGradCam(data.Info.Name, cat(projections, 0).DetachFromDisposeScope(), data.Labels, t.ProjectionSeconds);
            var maps = new BinnedGlobalMaps(data.Info.Name, run.Maps, run.Variant, options.GridSize, options.Sigma, t.BinningSeconds, t.FinishSeconds);
            return new GlobalSaliencyResult(means, gradCam, pca, projected, maps, run);
        }
        finally
        {
            foreach (var chunk in latents.Concat(gradCams).Concat(projections)) chunk.Dispose();
        }

        // The engine disposes its chunks' tensors with each chunk: a kept copy belongs to no scope until it is concatenated.
        static Action<Tensor> Keep(List<Tensor> kept) => chunk => kept.Add(chunk.to(ScalarType.Float32).cpu().clone().DetachFromDisposeScope());
    }
}
