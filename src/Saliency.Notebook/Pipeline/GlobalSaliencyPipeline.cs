using System.Diagnostics;
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
        if (GridSize < 2) throw new ArgumentException($"--grid must be at least 2; got {GridSize}.");
        if (!(Sigma >= 0) || double.IsInfinity(Sigma)) throw new ArgumentException($"--sigma must be a finite number ≥ 0; got {Sigma}.");
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
/// The paper's global saliency method end to end (§3): posterior means of every sample, |GradCAM| towards every latent
/// dimension at one encoder layer, PCA of the means, the maps projected on the principal directions (not centred), and
/// binned, Gaussian-filtered maps per label and component, combined over labels. Tensors live on the CPU once done.
/// </summary>
public sealed class GlobalSaliencyResult : IDisposable
{
    internal GlobalSaliencyResult(string dataset, Tensor latents, Tensor gradCam, LatentPca pca, Tensor projections,
        IReadOnlyList<string> labels, MapVariant variant, GlobalSaliencyMap maps, PipelineOptions options, PipelineTimings timings, string device)
    {
        Dataset = dataset; Latents = latents; GradCam = gradCam; Pca = pca; Projections = projections; Labels = labels;
        Variant = variant; Maps = maps; Options = options; Timings = timings; Device = device;
    }

    /// <summary>Dataset name.</summary>
    public string Dataset { get; }
    /// <summary>Posterior means (N, D), float32.</summary>
    public Tensor Latents { get; }
    /// <summary>|GradCAM| (N, L, D), float32.</summary>
    public Tensor GradCam { get; }
    /// <summary>PCA of the latents.</summary>
    public LatentPca Pca { get; }
    /// <summary>GradCAM projected on the K components (N, L, K), float32.</summary>
    public Tensor Projections { get; }
    /// <summary>Per-sample labels (dataset order).</summary>
    public IReadOnlyList<string> Labels { get; }
    /// <summary>The binning used.</summary>
    public MapVariant Variant { get; }
    /// <summary>Maps per label and component, before and after normalisation.</summary>
    public GlobalSaliencyMap Maps { get; }
    /// <summary>The settings of the run.</summary>
    public PipelineOptions Options { get; }
    /// <summary>Stage timings.</summary>
    public PipelineTimings Timings { get; }
    /// <summary>The device GradCAM ran on.</summary>
    public string Device { get; }

    /// <summary>How labels are combined into one map per component: sum for time series, max for trajectories (as the paper's notebooks).</summary>
    public LabelCombination Combination => Variant == MapVariant.TimeSeries ? LabelCombination.Sum : LabelCombination.Max;

    /// <summary>The combined normalised map of each component, (K, G1, G2).</summary>
    public double[,,] Combined()
    {
        double[,] first = Maps.Combine(0, Combination);
        var combined = new double[Maps.ComponentCount, first.GetLength(0), first.GetLength(1)];
        for (int k = 0; k < Maps.ComponentCount; k++)
        {
            double[,] map = k == 0 ? first : Maps.Combine(k, Combination);
            for (int i = 0; i < map.GetLength(0); i++)
                for (int j = 0; j < map.GetLength(1); j++)
                    combined[k, i, j] = map[i, j];
        }
        return combined;
    }

    /// <summary>
    /// The PCA of the latents fitted on the samples not labelled <paramref name="label"/> (at least two components), to apply to
    /// all: the paper's landing-only model on the flyover data (pca_untrained_model fits without the flyovers).
    /// </summary>
    public LatentPca PcaWithout(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        long[] rows = Enumerable.Range(0, Labels.Count).Where(i => Labels[i] != label).Select(i => (long)i).ToArray();
        if (rows.Length == Labels.Count) throw new ArgumentException($"No sample is labelled '{label}'.", nameof(label));
        using var index = torch.tensor(rows);
        using var fitted = Latents.index_select(0, index);
        return LatentPca.Fit(fitted, Math.Max(2, Pca.ComponentCount));
    }

    /// <summary>
    /// The kept-vs-removed mask (N, L) of the run's |GradCAM| (<see cref="SalientSteps.PruningMask"/>): true where the normalised
    /// |PC1| GradCAM is ≥ <paramref name="fraction"/> of its maximum (the original's 0.2). The caller disposes it.
    /// </summary>
    public Tensor PruningMask(double fraction = 0.2) => SalientSteps.PruningMask(GradCam, Pca, fraction);

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Latents.Dispose();
        GradCam.Dispose();
        Projections.Dispose();
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

        var clock = Stopwatch.StartNew();
        progress?.Report("encode");
        int batchSize = options.BatchSize ?? LatentExplainer.DefaultBatchSizeFor(device);
        Tensor latents = model.PosteriorMeans(data.X, device, batchSize);
        double encodeSeconds = Lap(clock, device);

        progress?.Report("gradcam");
        Tensor gradCam;
        using (var x = data.X.to(device))
        using (var attribution = SaliencyMethod.GradCam.CreateExplainer(model, new MethodSettings { Layer = options.Layer, Mode = CamMode.Abs })
                   .Explain(model, x, LatentTarget.AllDimensions, batchSize))
            gradCam = attribution.Values.to(ScalarType.Float32).cpu().DetachFromDisposeScope();
        double gradCamSeconds = Lap(clock, device);

        progress?.Report("pca");
        LatentPca pca = LatentPca.Fit(latents, options.Components);
        double pcaSeconds = Lap(clock, device);

        progress?.Report("projection");
        Tensor projections;
        using (var projected = pca.ProjectMaps(gradCam))
            projections = projected.to(ScalarType.Float32).DetachFromDisposeScope();
        double projectionSeconds = Lap(clock, device);

        progress?.Report("maps");
        GlobalSaliencyMap maps;
        using (var positions = data.X.permute(0, 2, 1))
            maps = variant == MapVariant.TimeSeries
                ? GlobalSaliencyMaps.TimeSeries(positions, projections, data.Labels, options.GridSize, options.Sigma)
                : GlobalSaliencyMaps.Trajectories(positions, projections, data.Labels, options.GridSize, options.Sigma);
        double mapsSeconds = Lap(clock, device);

        return new GlobalSaliencyResult(data.Info.Name, latents, gradCam, pca, projections, data.Labels, variant, maps, options,
            new PipelineTimings(encodeSeconds, gradCamSeconds, pcaSeconds, projectionSeconds, mapsSeconds), device.ToString());
    }

    private static double Lap(Stopwatch clock, Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
        double seconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return seconds;
    }
}
