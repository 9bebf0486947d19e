using Saliency.Notebook.GlobalMaps;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.GlobalMaps;

/// <summary>The chunked maps and the streaming PCA against the in-memory ones (the fast path against the naive one).</summary>
public class GlobalMapAccumulatorTests
{
    private static readonly string[] Classes = ["a", "b", "c"];

    private static (Tensor Positions, Tensor Projections, string[] Labels) Random(int n, int length, int channels, int components, int seed)
    {
        var generator = new Generator((ulong)seed);
        var positions = randn(n, length, channels, dtype: ScalarType.Float64, generator: generator);
        var projections = randn(n, length, components, dtype: ScalarType.Float32, generator: generator);
        var labels = Enumerable.Range(0, n).Select(i => Classes[(i * 7 + seed) % 3]).ToArray();
        return (positions, projections, labels);
    }

    private static GlobalMapAccumulator InChunks(bool timeSeries, Tensor positions, Tensor projections, string[] labels, int grid, double sigma, int[] chunkSizes)
    {
        int n = (int)positions.shape[0], length = (int)positions.shape[1], k = (int)projections.shape[2];
        var all = positions.to(ScalarType.Float64);
        var accumulator = timeSeries
            ? GlobalMapAccumulator.TimeSeries(Classes, k, length, (all.min().item<double>(), all.max().item<double>()), grid, sigma)
            : GlobalMapAccumulator.Trajectories(Classes, k, length, (all.select(2, 0).min().item<double>(), all.select(2, 0).max().item<double>()),
                (all.select(2, 1).min().item<double>(), all.select(2, 1).max().item<double>()), grid, sigma);
        int first = 0, c = 0;
        while (first < n)
        {
            int count = Math.Min(chunkSizes[c++ % chunkSizes.Length], n - first);
            var index = labels.Skip(first).Take(count).Select(l => Array.IndexOf(Classes, l)).ToArray();
            accumulator.Add(positions.narrow(0, first, count), projections.narrow(0, first, count), index);
            first += count;
        }
        return accumulator;
    }

    private static void AssertSame(GlobalSaliencyMap expected, GlobalSaliencyMap actual)
    {
        Assert.Equal(expected.Labels, actual.Labels);
        Assert.Equal(expected.FirstAxisEdges, actual.FirstAxisEdges);
        Assert.Equal(expected.SecondAxisEdges, actual.SecondAxisEdges);
        foreach (var (e, a) in new[] { (expected.Raw, actual.Raw), (expected.Normalised, actual.Normalised) })
        {
            Assert.Equal(Enumerable.Range(0, 4).Select(e.GetLength), Enumerable.Range(0, 4).Select(a.GetLength));
            double max = e.Cast<double>().Max(Math.Abs), difference = e.Cast<double>().Zip(a.Cast<double>(), (x, y) => Math.Abs(x - y)).Max();
            Assert.True(difference <= 1e-12 * max, $"max difference {difference} for values up to {max}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Binned_means_equal_the_naive_binned_statistic_with_points_on_every_edge(bool timeSeries)
    {
        // One label, one component, σ = 0: Raw is the binned mean with empty bins 0. The points include the range's ends and inner edges.
        const int length = 500, grid = 7;
        var generator = new Generator(11);
        var positions = rand(1, length, 2, dtype: ScalarType.Float64, generator: generator) * 3 - 1;     // [-1, 2)
        positions[0, 0] = tensor(new[] { -1.0, -1.0 }, ScalarType.Float64);
        positions[0, 1] = tensor(new[] { 2.0, 2.0 }, ScalarType.Float64);
        positions[0, 2] = tensor(new[] { 2.0 / 7 - 1 + 3.0 / 7, 0.5 }, ScalarType.Float64);
        var weights = randn(1, length, 1, dtype: ScalarType.Float32, generator: generator);
        double[] p0 = positions[0, .., 0].data<double>().ToArray(), p1 = positions[0, .., 1].data<double>().ToArray();
        double[] w = weights.flatten().to(ScalarType.Float64).abs().data<double>().ToArray();
        (double, double) range0 = (p0.Min(), p0.Max()), all = (Math.Min(p0.Min(), p1.Min()), Math.Max(p0.Max(), p1.Max()));
        var accumulator = timeSeries
            ? GlobalMapAccumulator.TimeSeries(["a"], 1, length, all, grid, sigma: 0)
            : GlobalMapAccumulator.Trajectories(["a"], 1, length, range0, (p1.Min(), p1.Max()), grid, sigma: 0);
        accumulator.Add(positions, weights, [0]);
        double[,] actual = Slice(accumulator.ToMaps().Raw);

        double[] steps = Enumerable.Range(0, length).Select(t => (double)t).ToArray();
        double[,] expected = timeSeries
            ? BinnedStatistic2D.Mean(steps, p0, w, length, grid, (0, length), all)
            : BinnedStatistic2D.Mean(p0, p1, w, grid, grid, range0, (p1.Min(), p1.Max()));
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        int filled = 0;
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
            {
                if (!double.IsNaN(expected[i, j])) filled++;
                Assert.Equal(double.IsNaN(expected[i, j]) ? 0 : expected[i, j], actual[i, j], 12);
            }
        Assert.True(filled >= Math.Min(expected.Length / 2, length), $"only {filled} bins hold points");   // time series: one point per time bin
    }

    private static double[,] Slice(double[,,,] maps)
    {
        var map = new double[maps.GetLength(2), maps.GetLength(3)];
        for (int i = 0; i < map.GetLength(0); i++)
            for (int j = 0; j < map.GetLength(1); j++) map[i, j] = maps[0, 0, i, j];
        return map;
    }

    [Theory]
    [InlineData(true, new[] { 7 })]
    [InlineData(true, new[] { 1, 13, 40 })]
    [InlineData(false, new[] { 5, 64 })]
    [InlineData(false, new[] { 1000 })]
    public void Chunked_maps_equal_the_in_memory_maps(bool timeSeries, int[] chunkSizes)
    {
        using var scope = NewDisposeScope();
        var (positions, projections, labels) = Random(83, 30, 2, 3, 5);
        var expected = timeSeries
            ? GlobalSaliencyMaps.TimeSeries(positions, projections, labels, gridSize: 25, sigma: 1.5)
            : GlobalSaliencyMaps.Trajectories(positions, projections, labels, gridSize: 25, sigma: 1.5);
        var accumulator = InChunks(timeSeries, positions, projections, labels, 25, 1.5, chunkSizes);
        Assert.Equal(83L * 30, accumulator.Points);
        AssertSame(expected, accumulator.ToMaps());
    }

    [Fact]
    public void Accumulators_of_two_shares_merge_into_the_whole()
    {
        using var scope = NewDisposeScope();
        var (positions, projections, labels) = Random(60, 20, 2, 2, 9);
        var whole = InChunks(false, positions, projections, labels, 16, 2, [60]);
        var first = InChunks(false, positions.narrow(0, 0, 25), projections.narrow(0, 0, 25), labels[..25], 16, 2, [25]);
        // The second share must bin on the whole data's edges: build it the same way and add only its rows.
        var all = positions;
        var second = GlobalMapAccumulator.Trajectories(Classes, 2, 20, (all.select(2, 0).min().item<double>(), all.select(2, 0).max().item<double>()),
            (all.select(2, 1).min().item<double>(), all.select(2, 1).max().item<double>()), 16, 2);
        var firstOnWholeEdges = GlobalMapAccumulator.Trajectories(Classes, 2, 20, (all.select(2, 0).min().item<double>(), all.select(2, 0).max().item<double>()),
            (all.select(2, 1).min().item<double>(), all.select(2, 1).max().item<double>()), 16, 2);
        firstOnWholeEdges.Add(positions.narrow(0, 0, 25), projections.narrow(0, 0, 25), labels[..25].Select(l => Array.IndexOf(Classes, l)).ToArray());
        second.Add(positions.narrow(0, 25, 35), projections.narrow(0, 25, 35), labels[25..].Select(l => Array.IndexOf(Classes, l)).ToArray());
        firstOnWholeEdges.Merge(second);
        AssertSame(whole.ToMaps(), firstOnWholeEdges.ToMaps());
        Assert.Throws<ArgumentException>(() => firstOnWholeEdges.Merge(first));   // other edges: refused
    }

    [Fact]
    public void Bin_locator_equals_the_binary_search_everywhere()
    {
        var generator = new System.Random(4);
        foreach (var (lo, hi, bins) in new[] { (0.0, 200.0, 200), (-0.29418, 0.70383, 200), (-1.0, 1.0, 7), (3.0, 3.0, 5), (1e-9, 3e-9, 200) })
        {
            var edges = BinnedStatistic2D.Edges(lo, hi, bins);
            var locator = new BinLocator(edges);
            var values = edges.SelectMany(e => new[] { e, Math.BitDecrement(e), Math.BitIncrement(e) })
                .Concat(Enumerable.Range(0, 20000).Select(_ => edges[0] + (edges[^1] - edges[0]) * (generator.NextDouble() * 1.2 - 0.1)))
                .Append(double.NaN).Append(double.PositiveInfinity).Append(double.NegativeInfinity);
            foreach (double v in values) Assert.Equal(BinnedStatistic2D.BinIndex(v, edges), locator.Index(v));
        }
    }

    [Fact]
    public void Pca_from_chunked_moments_equals_the_svd_fit_and_scikit_learn()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(11);
        var latents = randn(500, 6, dtype: ScalarType.Float32, generator: generator).matmul(randn(6, 6, generator: generator)) + 40;
        var moments = new LatentMoments(6);
        var other = new LatentMoments(6);
        moments.Add(latents.narrow(0, 0, 1));
        moments.Add(latents.narrow(0, 1, 200));
        other.Add(latents.narrow(0, 201, 299));
        moments.Merge(other);
        Assert.Equal(500, moments.Count);
        var streamed = LatentPca.FromMoments(moments, 3);
        var fitted = LatentPca.Fit(latents, 3);
        var sklearn = PythonReference.Run("""
            from sklearn.decomposition import PCA
            p = PCA(3).fit(np.array(inp["z"], dtype=np.float32).astype(np.float64))
            # The paper's sklearn (1.5) signs each component by its largest-|value| entry; Debian's 1.2 signs by U: apply the rule here.
            signs = np.sign(p.components_[np.arange(3), np.argmax(np.abs(p.components_), axis=1)])
            out = {"components": p.components_ * signs[:, None], "variance": p.explained_variance_, "ratio": p.explained_variance_ratio_, "singular": p.singular_values_, "mean": p.mean_}
            """, new { z = PythonReference.Rows(ToMatrix(latents)) });
        foreach (var pca in new[] { fitted, streamed })
        {
            PythonReference.AssertClose(PythonReference.Matrix(sklearn.GetProperty("components")), pca.Components, 1e-9, "components");
            AssertAll(PythonReference.Doubles(sklearn.GetProperty("variance")), pca.ExplainedVariance, 1e-9);
            AssertAll(PythonReference.Doubles(sklearn.GetProperty("ratio")), pca.ExplainedVarianceRatio, 1e-11);
            AssertAll(PythonReference.Doubles(sklearn.GetProperty("singular")), pca.SingularValues, 1e-9);
            AssertAll(PythonReference.Doubles(sklearn.GetProperty("mean")), pca.Mean, 1e-9);
        }
        Assert.Equal(500, streamed.SampleCount);
    }

    private static void AssertAll(double[] expected, double[] actual, double relative)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= relative * Math.Max(1, Math.Abs(expected[i])), $"[{i}] {actual[i]} vs {expected[i]}");
    }

    private static double[,] ToMatrix(Tensor t)
    {
        var values = t.to(ScalarType.Float64).data<double>().ToArray();
        var m = new double[t.shape[0], t.shape[1]];
        Buffer.BlockCopy(values, 0, m, 0, values.Length * sizeof(double));
        return m;
    }
}
