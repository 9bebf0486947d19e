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
        using var host = maps.detach().to(ScalarType.Float64).cpu().contiguous();
        return host.data<double>().ToArray();
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
