using Saliency.Notebook.Explainers;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.SanityChecks;

/// <summary>How alike two saliency maps are: rank correlations of |maps| and of signed maps, and SSIM of the |maps| as images.</summary>
/// <param name="SpearmanAbsolute">Spearman rank correlation of the sign-free maps.</param>
/// <param name="SpearmanSigned">Spearman rank correlation of the signed maps.</param>
/// <param name="Ssim">SSIM of the sign-free (N·L, D) maps as images, each min-max scaled to [0, 1] (data range 1).</param>
public readonly record struct MapSimilarity(double SpearmanAbsolute, double SpearmanSigned, double Ssim);

/// <summary>
/// Base of the checks that compare the maps of two models (trained vs re-initialised, single-class vs all-class, flyover vs
/// landing-only): seeded sample subsets and the similarity measures of Adebayo et al.
/// </summary>
public abstract class MapComparisonCheck : SanityCheck
{
    /// <summary>How many samples (seeded choice) the maps are computed on; all when the data hold fewer.</summary>
    public int SampleCount { get; init; } = 64;

    /// <summary>The seeded subset of x (n, C, L) this check explains.</summary>
    protected Tensor SampleSubset(SanityCheckInputs inputs)
    {
        long n = inputs.Data.X.shape[0];
        if (n <= SampleCount) return inputs.Data.X.alias();
        var generator = new Generator((ulong)inputs.Seed);
        var chosen = randperm(n, generator: generator).narrow(0, 0, SampleCount).sort().Values;
        return inputs.Data.X.index_select(0, chosen);
    }

    /// <summary>Bins per axis of the binned global maps (the paper's 200).</summary>
    public int GridSize { get; init; } = 200;

    /// <summary>Gaussian filter sigma of the binned maps, in bins (the paper's 5).</summary>
    public double Sigma { get; init; } = 5;

    /// <summary>
    /// The paper's binned global maps (§3.2) of x (n, C, L) with labels: |maps| of <paramref name="model"/> projected on
    /// <paramref name="pca"/>, binned as trajectories (C ≥ 2) or time series (C = 1), ranges from x itself.
    /// </summary>
    protected GlobalSaliencyMap BinnedMaps(SanityCheckInputs inputs, SaliencyMethod method, ILatentEncoder model, LatentPca pca, Tensor x, IReadOnlyList<string> labels)
    {
        using var maps = method.Maps(model, x, inputs.Device, inputs.BatchSize, inputs.Settings);
        using var projections = pca.ProjectMaps(maps.Absolute);
        using var positions = x.permute(0, 2, 1);
        return x.shape[1] >= 2
            ? GlobalSaliencyMaps.Trajectories(positions, projections, labels, GridSize, Sigma)
            : GlobalSaliencyMaps.TimeSeries(positions, projections, labels, GridSize, Sigma);
    }

    /// <summary>
    /// Point density of x (n, C, L) on the bins of <paramref name="map"/> — counts of (ch0, ch1) points for trajectories, of
    /// (t, ch0) for time series — Gaussian-filtered with <see cref="Sigma"/>, as the maps are.
    /// </summary>
    protected double[,] Density(GlobalSaliencyMap map, Tensor x)
    {
        double[] values;
        using (torch.NewDisposeScope()) values = x.permute(0, 2, 1).to(ScalarType.Float64).contiguous().data<double>().ToArray();
        long n = x.shape[0], length = x.shape[2], channels = x.shape[1];
        var counts = new double[map.FirstAxisEdges.Length - 1, map.SecondAxisEdges.Length - 1];
        for (long p = 0; p < n * length; p++)
        {
            double first = channels >= 2 ? values[p * channels] : p % length;
            double second = channels >= 2 ? values[p * channels + 1] : values[p * channels];
            int i = BinnedStatistic2D.BinIndex(first, map.FirstAxisEdges), j = BinnedStatistic2D.BinIndex(second, map.SecondAxisEdges);
            if (i >= 0 && j >= 0) counts[i, j]++;
        }
        return GaussianFilter.Apply(counts, Sigma);
    }

    /// <summary>Posterior means (N, D) of x under <paramref name="model"/>, float32 on the CPU.</summary>
    protected static Tensor EncodeWith(SanityCheckInputs inputs, ILatentEncoder model, Tensor x) =>
        model.PosteriorMeans(x, inputs.Device, inputs.BatchSize);

    /// <summary>The values of a 2-D array in row-major order.</summary>
    protected static double[] Flatten(double[,] values) => values.Cast<double>().ToArray();

    /// <summary>Similarity of two (N, L, D) map pairs.</summary>
    public static MapSimilarity Compare(MethodMaps first, MethodMaps second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var a = Flat(first.Absolute);
        var b = Flat(second.Absolute);
        return new MapSimilarity(
            SanityStatistics.Spearman(a, b),
            SanityStatistics.Spearman(Flat(first.Signed), Flat(second.Signed)),
            SanityStatistics.Ssim(UnitImage(first.Absolute), UnitImage(second.Absolute), 1));
    }

    private static double[] Flat(Tensor maps)
    {
        using var scope = torch.NewDisposeScope();
        return maps.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
    }

    /// <summary>(N, L, D) as an (N·L, D) image scaled to [0, 1] by its own min and max (all zeros when constant).</summary>
    private static double[,] UnitImage(Tensor maps)
    {
        var values = Flat(maps);
        int columns = (int)maps.shape[2], rows = values.Length / columns;
        double min = values.Min(), span = values.Max() - min;
        var image = new double[rows, columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
                image[i, j] = span > 0 ? (values[i * columns + j] - min) / span : 0;
        return image;
    }
}
