using System.Diagnostics;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Pipeline;

/// <summary>
/// The paper's global saliency method (§3) one step per call, so a notebook cell can show, change or time each one:
/// <see cref="Encode"/> → step 2, <see cref="GradCam"/>'s <c>Attribute</c> (the explainer bound to the model) → <see cref="FitPca"/> → <see cref="Project"/> → <see cref="BinMaps"/> →
/// <see cref="CombineMaps"/>. Each returns a result that displays itself; <see cref="GlobalSaliencyPipeline.Run"/> is these
/// calls in this order.
/// </summary>
public static class GlobalSaliencySteps
{
    /// <summary>
    /// Step 1: the posterior mean (loc) of every sample of <paramref name="data"/>, batched on <paramref name="device"/> (default:
    /// the model's), in eval mode.
    /// </summary>
    public static PosteriorMeans Encode(ILatentEncoder model, TimeSeriesDataset data, Device? device = null, int? batchSize = null)
    {
        Check(model, data);
        device ??= model.ParameterDevice();
        var clock = Stopwatch.StartNew();
        Tensor means = model.PosteriorMeans(data.X, device, BatchSize(batchSize, device));
        return new PosteriorMeans(data.Info.Name, means, data.Labels, device.ToString(), Seconds(clock, device));
    }

    /// <summary>
    /// Step 3: PCA of the posterior means with <paramref name="components"/> components (scikit-learn's, sign rule included)
    /// and every sample's scores. With <paramref name="fitWithout"/> the fit leaves that label's samples out and is applied to
    /// all (the paper's landing-only PCA on the flyover data).
    /// </summary>
    public static LatentPcaFit FitPca(PosteriorMeans means, int components = 2, string? fitWithout = null)
    {
        ArgumentNullException.ThrowIfNull(means);
        if (components < 1 || components > means.LatentDim)
            throw new ArgumentOutOfRangeException(nameof(components), components, $"components must be between 1 and the latent size {means.LatentDim}.");
        var clock = Stopwatch.StartNew();
        LatentPca pca;
        if (fitWithout == null) pca = LatentPca.Fit(means.Values, components);
        else
        {
            long[] rows = Enumerable.Range(0, means.Count).Where(i => means.Labels[i] != fitWithout).Select(i => (long)i).ToArray();
            if (rows.Length == means.Count) throw new ArgumentException($"No sample is labelled '{fitWithout}'.", nameof(fitWithout));
            using var index = torch.tensor(rows);
            using var fitted = means.Values.index_select(0, index);
            pca = LatentPca.Fit(fitted, components);
        }
        Tensor scores;
        using (NewDisposeScope()) scores = pca.Transform(means.Values).to(ScalarType.Float64).cpu().DetachFromDisposeScope();
        return new LatentPcaFit(means.Dataset, pca, scores, means.Labels, fitWithout, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Step 4: |GradCAM| (N, L, D) projected on the components, M·Vᵀ (N, L, K), not centred, as the paper.</summary>
    public static ProjectedGradCam Project(Attribution gradCam, LatentPcaFit pca)
    {
        ArgumentNullException.ThrowIfNull(gradCam);
        ArgumentNullException.ThrowIfNull(pca);
        if (gradCam.Values.dim() != 3 || gradCam.Dataset is null || gradCam.Labels is null)
            throw new ArgumentException($"Step 4 projects the (N, L, D) maps of a dataset towards every latent dimension (step 2); got {gradCam.Layout} values of {gradCam.Dataset ?? "a bare tensor"}.", nameof(gradCam));
        if (gradCam.Values.shape[2] != pca.Pca.LatentDim)
            throw new ArgumentException($"The GradCAM has {gradCam.Values.shape[2]} latent dimensions but the PCA was fitted on {pca.Pca.LatentDim}.", nameof(pca));
        var clock = Stopwatch.StartNew();
        Tensor values;
        using (NewDisposeScope()) values = pca.Pca.ProjectMaps(gradCam.Values).to(ScalarType.Float32).DetachFromDisposeScope();
        return new ProjectedGradCam(gradCam.Dataset, values, gradCam.Labels, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Step 5: per label and component, the mean |projection| binned on a grid of <paramref name="gridSize"/> bins per axis
    /// (scipy's binned_statistic_2d), empty bins 0, Gaussian-filtered with <paramref name="sigma"/> bins, normalised.
    /// <paramref name="variant"/> defaults to the dataset's own (time × value for time series, x × y for trajectories).
    /// </summary>
    public static BinnedGlobalMaps BinMaps(TimeSeriesDataset data, ProjectedGradCam projections, MapVariant? variant = null,
        int gridSize = 200, double sigma = 5)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(projections);
        if (projections.Values.shape[0] != data.N || projections.Values.shape[1] != data.L)
            throw new ArgumentException($"The projections are ({string.Join(", ", projections.Values.shape)}) but dataset '{data.Info.Name}' has N = {data.N}, L = {data.L}.", nameof(projections));
        if (PipelineGuards.GridProblem(gridSize, sigma) is var (setting, problem))
            throw setting == "grid" ? new ArgumentOutOfRangeException(nameof(gridSize), gridSize, $"gridSize {problem}")
                : new ArgumentOutOfRangeException(nameof(sigma), sigma, $"sigma {problem}");
        MapVariant chosen = PipelineGuards.Variant(data.Info.Name, data.C, data.Info.PlotKind, variant);
        var clock = Stopwatch.StartNew();
        GlobalMapAccumulator accumulator;
        using (NewDisposeScope())
        {
            var positions = data.X.permute(0, 2, 1);
            accumulator = GlobalSaliencyMaps.Accumulate(positions, projections.Values, data.Labels, chosen == MapVariant.TimeSeries, gridSize, sigma);
        }
        double binning = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var maps = accumulator.ToMaps();
        return new BinnedGlobalMaps(data.Info.Name, maps, chosen, gridSize, sigma, binning, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Step 6: each component's normalised maps combined over the labels: summed for time series, pixel-wise maximum for trajectories.</summary>
    public static CombinedGlobalMaps CombineMaps(BinnedGlobalMaps maps)
    {
        ArgumentNullException.ThrowIfNull(maps);
        return new CombinedGlobalMaps(maps, maps.Maps.CombineAll(maps.Combination));
    }

    private static void Check(ILatentEncoder model, TimeSeriesDataset data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        PipelineGuards.CheckInput(model, data.Info.Name, data.C, data.L);
    }

    private static int BatchSize(int? requested, Device device)
    {
        if (requested is < 1) throw new ArgumentOutOfRangeException(nameof(requested), requested, "The batch size must be positive.");
        return requested ?? LatentExplainer.DefaultBatchSizeFor(device);
    }

    private static double Seconds(Stopwatch clock, Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
        return clock.Elapsed.TotalSeconds;
    }
}
