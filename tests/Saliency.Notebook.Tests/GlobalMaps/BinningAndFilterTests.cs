using Saliency.Notebook.GlobalMaps;

namespace Saliency.Notebook.Tests.GlobalMaps;

public class BinningAndFilterTests
{
    [Fact]
    public void Edges_AreLinspaceAndAZeroWidthRangeIsWidened()
    {
        Assert.Equal(new[] { 0, 1.0 / 3, 2.0 / 3, 1 }, BinnedStatistic2D.Edges(0, 1, 3));
        Assert.Equal(new[] { 1.5, 2, 2.5 }, BinnedStatistic2D.Edges(2, 2, 2));
    }

    [Fact]
    public void Mean_HalfOpenBins_LastEdgeInclusive_OutsideDropped_EmptyNaN()
    {
        // x range [0,4] in 4 bins (edges 0,1,2,3,4), y range [0,2] in 2 bins (edges 0,1,2).
        double[] x = { 0, 1, 4, 3.999, 4.5, -0.1, 0.5, double.NaN, 4 + 1e-12, 4.001 };
        double[] y = { 0, 0.5, 2, 1, 1, 1, 0.2, 1, 0, 0 };
        double[] v = { 1, 3, 5, 7, 100, 100, 2, 100, 11, 100 };
        var mean = BinnedStatistic2D.Mean(x, y, v, 4, 2, (0, 4), (0, 2));
        // (0,0): points 1 and 2 → 1.5; x = 1 sits on an inner edge → bin 1; (4, 2) is on both last edges → (3,1)
        // with (3.999, 1) → (5+7)/2; 4+1e-12 rounds to the last edge (6 decimals for width 1) → (3,0);
        // 4.5, −0.1, NaN and 4.001 are dropped.
        var expected = new double[4, 2] { { 1.5, double.NaN }, { 3, double.NaN }, { double.NaN, double.NaN }, { 11, 6 } };
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 2; j++)
                Assert.Equal(expected[i, j], mean[i, j]);
    }

    [Fact]
    public void TimeIndices_FallInTheirOwnTimeBin()
    {
        var edges = BinnedStatistic2D.Edges(0, 60, 60);
        for (int t = 0; t < 60; t++) Assert.Equal(t, BinnedStatistic2D.BinIndex(t, edges));
        Assert.Equal(59, BinnedStatistic2D.BinIndex(60, edges));
    }

    [Fact]
    public void GaussianKernel_HasScipyRadiusAndIsNormalised()
    {
        Assert.Equal(5, GaussianFilter.Kernel(0.5).Length);   // radius int(4·0.5 + 0.5) = 2
        Assert.Equal(41, GaussianFilter.Kernel(5).Length);    // radius 20
        Assert.Equal(11, GaussianFilter.Kernel(1.3).Length);  // radius int(5.7) = 5
        Assert.Equal(1, GaussianFilter.Kernel(5).Sum(), 12);
    }

    [Fact]
    public void OneDimensionalCase_AtSmallSigma_MatchesHandComputation()
    {
        // σ = 0.5, radius 2, weights ∝ exp(−2x²): w0 = 1/S, w1 = e^−2/S, w2 = e^−8/S, S = 1 + 2e^−2 + 2e^−8.
        // Row (1,0,0,0) with reflect (…0 1 | 1 0 0 0 | 0 0…): out = (w0+w1, w1+w2, w2, 0). The single-row axis-0
        // pass reflects the one value onto itself, leaving it unchanged.
        double s = 1 + 2 * Math.Exp(-2) + 2 * Math.Exp(-8);
        double w0 = 1 / s, w1 = Math.Exp(-2) / s, w2 = Math.Exp(-8) / s;
        var result = GaussianFilter.Apply(new double[,] { { 1, 0, 0, 0 } }, 0.5);
        double[] expected = { w0 + w1, w1 + w2, w2, 0 };
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], result[0, i], 14);
    }

    [Fact]
    public void Filter_EqualsNaiveTwoDimensionalConvolutionOfASymmetricallyPaddedArray()
    {
        // Radius 5 exceeds both sizes (7 × 4), so the padding reflects more than once.
        var random = new Random(5);
        var input = new double[7, 4];
        for (int i = 0; i < 7; i++) for (int j = 0; j < 4; j++) input[i, j] = random.NextDouble();
        const double sigma = 1.3;
        int radius = (int)(4 * sigma + 0.5);
        var padded = SymmetricPad(input, radius);
        var weights = Enumerable.Range(-radius, 2 * radius + 1).Select(x => Math.Exp(-x * x / (2 * sigma * sigma))).ToArray();
        double total = weights.Sum();
        var result = GaussianFilter.Apply(input, sigma);
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 4; j++)
            {
                double acc = 0;
                for (int a = -radius; a <= radius; a++)
                    for (int b = -radius; b <= radius; b++)
                        acc += weights[a + radius] * weights[b + radius] / (total * total) * padded[i + radius + a, j + radius + b];
                Assert.Equal(acc, result[i, j], 12);
            }
    }

    [Fact]
    public void ZeroSigma_LeavesTheArrayUnchanged()
    {
        var input = new double[,] { { 1, 2 }, { 3, 4 } };
        Assert.Equal(input, GaussianFilter.Apply(input, 0));
    }

    /// <summary>numpy.pad(mode='symmetric') built by tiling (a b c | c b a | a b c …): independent of ReflectIndex.</summary>
    private static double[,] SymmetricPad(double[,] input, int pad)
    {
        int rows = input.GetLength(0), cols = input.GetLength(1);
        var rowTile = Tile(rows, pad);
        var colTile = Tile(cols, pad);
        var result = new double[rows + 2 * pad, cols + 2 * pad];
        for (int i = 0; i < result.GetLength(0); i++)
            for (int j = 0; j < result.GetLength(1); j++)
                result[i, j] = input[rowTile[i], colTile[j]];
        return result;
    }

    private static int[] Tile(int length, int pad)
    {
        // Sequence … 2 1 0 | 0 1 2 … n−1 | n−1 … 0 | 0 …, grown outwards one mirrored copy at a time.
        var forward = Enumerable.Range(0, length).ToList();
        var backward = Enumerable.Range(0, length).Reverse().ToList();
        var line = new List<int>(forward);
        bool mirrored = true;
        int left = 0;
        while (left < pad || line.Count - left - length < pad)
        {
            line.InsertRange(0, mirrored ? backward : forward);
            line.AddRange(mirrored ? backward : forward);
            left += length;
            mirrored = !mirrored;
        }
        return line.Skip(left - pad).Take(length + 2 * pad).ToArray();
    }
}
