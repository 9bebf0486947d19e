using Microsoft.Data.Analysis;
using Saliency.Notebook.GlobalMaps;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Pipeline;

/// <summary>
/// Step 1 of the method (<see cref="GlobalSaliencySteps.Encode"/>): the posterior mean (loc) of every sample, (N, D) float32 on
/// the CPU, with the samples' labels. The PCA of step 3 is fitted on these.
/// </summary>
public sealed class PosteriorMeans : IDisposable
{
    internal PosteriorMeans(string dataset, Tensor values, IReadOnlyList<string> labels, string device, double seconds)
    {
        Dataset = dataset; Values = values; Labels = labels; Device = device; Seconds = seconds;
    }

    /// <summary>Dataset name.</summary>
    public string Dataset { get; }
    /// <summary>Posterior means (N, D), float32, CPU.</summary>
    public Tensor Values { get; }
    /// <summary>Per-sample labels (dataset order).</summary>
    public IReadOnlyList<string> Labels { get; }
    /// <summary>The device the encoder ran on.</summary>
    public string Device { get; }
    /// <summary>Seconds the encoding took.</summary>
    public double Seconds { get; }
    /// <summary>N, the number of samples.</summary>
    public int Count => (int)Values.shape[0];
    /// <summary>D, the latent size.</summary>
    public int LatentDim => (int)Values.shape[1];

    /// <summary>Standard deviation of each latent dimension over the samples (D): a dimension with almost none carries nothing.</summary>
    public double[] Spread()
    {
        using var scope = torch.NewDisposeScope();
        return Values.to(ScalarType.Float64).std(0).data<double>().ToArray();
    }

    /// <summary>One row per sample: its label and z0 … z(D−1).</summary>
    public DataFrame ToDataFrame()
    {
        var columns = new List<DataFrameColumn> { new StringDataFrameColumn("label", Labels) };
        double[] flat;
        using (torch.NewDisposeScope()) flat = Values.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        for (int d = 0; d < LatentDim; d++)
            columns.Add(new DoubleDataFrameColumn($"z{d}", Enumerable.Range(0, Count).Select(i => flat[i * LatentDim + d])));
        return new DataFrame(columns);
    }

    /// <summary>Frees the tensor.</summary>
    public void Dispose() => Values.Dispose();
}

/// <summary>
/// Step 3 (<see cref="GlobalSaliencySteps.FitPca"/>): the PCA of the posterior means (scikit-learn's, sign rule included) and
/// every sample's scores on its components, (N, K) float64 on the CPU.
/// </summary>
public sealed class LatentPcaFit : IDisposable
{
    internal LatentPcaFit(string dataset, LatentPca pca, Tensor scores, IReadOnlyList<string> labels, string? fittedWithout, double seconds)
    {
        Dataset = dataset; Pca = pca; Scores = scores; Labels = labels; FittedWithout = fittedWithout; Seconds = seconds;
    }

    /// <summary>Dataset name.</summary>
    public string Dataset { get; }
    /// <summary>The fitted PCA: components (K, D), explained variance and its ratio.</summary>
    public LatentPca Pca { get; }
    /// <summary>Every sample's scores (N, K), float64, CPU (also the samples the fit left out).</summary>
    public Tensor Scores { get; }
    /// <summary>Per-sample labels (dataset order).</summary>
    public IReadOnlyList<string> Labels { get; }
    /// <summary>The label whose samples the fit left out (the paper's landing-only PCA without the flyovers), or null.</summary>
    public string? FittedWithout { get; }
    /// <summary>Seconds the fit took.</summary>
    public double Seconds { get; }

    /// <summary>One row per component: explained variance, its ratio and the singular value.</summary>
    public DataFrame ExplainedVariance() => new(
        new StringDataFrameColumn("component", Enumerable.Range(1, Pca.ComponentCount).Select(k => $"PC{k}")),
        new DoubleDataFrameColumn("explained variance", Pca.ExplainedVariance),
        new DoubleDataFrameColumn("explained variance ratio", Pca.ExplainedVarianceRatio),
        new DoubleDataFrameColumn("singular value", Pca.SingularValues));

    /// <summary>One row per sample: its label and its score on PC1 … PCK.</summary>
    public DataFrame ToDataFrame()
    {
        int k = Pca.ComponentCount, n = Labels.Count;
        double[] flat;
        using (torch.NewDisposeScope()) flat = Scores.contiguous().data<double>().ToArray();
        var columns = new List<DataFrameColumn> { new StringDataFrameColumn("label", Labels) };
        for (int c = 0; c < k; c++) columns.Add(new DoubleDataFrameColumn($"pc{c + 1}", Enumerable.Range(0, n).Select(i => flat[i * k + c])));
        return new DataFrame(columns);
    }

    /// <summary>Frees the scores.</summary>
    public void Dispose() => Scores.Dispose();
}

/// <summary>
/// Step 4 (<see cref="GlobalSaliencySteps.Project"/>): |GradCAM| projected on the principal directions, M·Vᵀ without centring
/// (as the paper), (N, L, K) float32 on the CPU. Signed: a component's entries have both signs.
/// </summary>
public sealed class ProjectedGradCam : IDisposable
{
    internal ProjectedGradCam(string dataset, Tensor values, IReadOnlyList<string> labels, double seconds)
    {
        Dataset = dataset; Values = values; Labels = labels; Seconds = seconds;
    }

    /// <summary>Dataset name.</summary>
    public string Dataset { get; }
    /// <summary>Projections (N, L, K), float32, CPU.</summary>
    public Tensor Values { get; }
    /// <summary>Per-sample labels (dataset order).</summary>
    public IReadOnlyList<string> Labels { get; }
    /// <summary>Seconds the projection took.</summary>
    public double Seconds { get; }
    /// <summary>K, the number of components.</summary>
    public int ComponentCount => (int)Values.shape[2];

    /// <summary>Frees the tensor.</summary>
    public void Dispose() => Values.Dispose();
}

/// <summary>
/// Step 5 (<see cref="GlobalSaliencySteps.BinMaps"/>): per label and component, the mean |projection| binned on a grid
/// (time × value for time series, x × y for trajectories), empty bins 0, Gaussian-filtered, normalised.
/// </summary>
public sealed class BinnedGlobalMaps
{
    internal BinnedGlobalMaps(string dataset, GlobalSaliencyMap maps, MapVariant variant, int gridSize, double sigma, double binningSeconds, double finishSeconds)
    {
        Dataset = dataset; Maps = maps; Variant = variant; GridSize = gridSize; Sigma = sigma; BinningSeconds = binningSeconds; FinishSeconds = finishSeconds;
    }

    /// <summary>Dataset name.</summary>
    public string Dataset { get; }
    /// <summary>The maps [label, component, bin1, bin2], raw and normalised, with their bin edges.</summary>
    public GlobalSaliencyMap Maps { get; }
    /// <summary>The binning used.</summary>
    public MapVariant Variant { get; }
    /// <summary>Bins per map axis (a time-series map has L time bins).</summary>
    public int GridSize { get; }
    /// <summary>Gaussian filter sigma, in bins.</summary>
    public double Sigma { get; }
    /// <summary>Seconds binning the points took.</summary>
    public double BinningSeconds { get; }
    /// <summary>Seconds filtering and normalising the maps took.</summary>
    public double FinishSeconds { get; }
    /// <summary>Seconds the whole step took.</summary>
    public double Seconds => BinningSeconds + FinishSeconds;

    /// <summary>How labels are combined into one map per component: sum for time series, max for trajectories (as the paper's notebooks).</summary>
    public LabelCombination Combination => Variant == MapVariant.TimeSeries ? LabelCombination.Sum : LabelCombination.Max;

    /// <summary>The maps as one (labels, K, bins1, bins2) float64 tensor, normalised or raw (the caller disposes it).</summary>
    public Tensor ToTensor(bool normalised = true) => torch.tensor(normalised ? Maps.Normalised : Maps.Raw);
}

/// <summary>Step 6 (<see cref="GlobalSaliencySteps.CombineMaps"/>): one map per component combined over the labels, (K, bins1, bins2).</summary>
public sealed class CombinedGlobalMaps
{
    internal CombinedGlobalMaps(BinnedGlobalMaps source, double[,,] values)
    {
        Source = source; Values = values;
    }

    /// <summary>The per-label maps that were combined.</summary>
    public BinnedGlobalMaps Source { get; }
    /// <summary>The combined normalised maps [component, bin1, bin2].</summary>
    public double[,,] Values { get; }
    /// <summary>Dataset name.</summary>
    public string Dataset => Source.Dataset;
    /// <summary>Sum (time series) or pixel-wise maximum (trajectories).</summary>
    public LabelCombination Combination => Source.Combination;
    /// <summary>K, the number of components.</summary>
    public int ComponentCount => Values.GetLength(0);

    /// <summary>The (bin1, bin2) map of one component.</summary>
    public double[,] Map(int component)
    {
        if (component < 0 || component >= ComponentCount)
            throw new ArgumentOutOfRangeException(nameof(component), component, $"There are {ComponentCount} components.");
        var map = new double[Values.GetLength(1), Values.GetLength(2)];
        for (int i = 0; i < map.GetLength(0); i++)
            for (int j = 0; j < map.GetLength(1); j++) map[i, j] = Values[component, i, j];
        return map;
    }

    /// <summary>The maps as one (K, bins1, bins2) float64 tensor (the caller disposes it).</summary>
    public Tensor ToTensor() => torch.tensor(Values);
}
