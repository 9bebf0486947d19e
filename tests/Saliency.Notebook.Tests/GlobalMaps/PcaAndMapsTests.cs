using Saliency.Notebook.GlobalMaps;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.GlobalMaps;

public class PcaAndMapsTests
{
    // Points mean + a·u + b·v with u = (−0.6, 0.8), v = (0.8, 0.6), mean (1, 2), (a, b) ∈ {(3,0), (−3,0), (0,1), (0,−1)}.
    // Variance along u: (9+9)/3 = 6, along v: (1+1)/3 = 2/3; total 20/3 → ratios 0.9, 0.1; singular values √18, √2.
    // Sign rule: each component's largest-|value| entry positive → PC1 = (−0.6, 0.8), PC2 = (0.8, 0.6).
    private static Tensor Latents()
    {
        double[][] ab = { new[] { 3.0, 0 }, new[] { -3.0, 0 }, new[] { 0.0, 1 }, new[] { 0.0, -1 } };
        var rows = ab.SelectMany(p => new[] { 1 + p[0] * -0.6 + p[1] * 0.8, 2 + p[0] * 0.8 + p[1] * 0.6 }).ToArray();
        return torch.tensor(rows, new long[] { 4, 2 }, dtype: ScalarType.Float64);
    }

    [Fact]
    public void Pca_MatchesHandComputedComponentsVarianceAndSigns()
    {
        using var scope = torch.NewDisposeScope();
        var pca = LatentPca.Fit(Latents(), 2);
        Assert.Equal(-0.6, pca.Components[0, 0], 12);
        Assert.Equal(0.8, pca.Components[0, 1], 12);
        Assert.Equal(0.8, pca.Components[1, 0], 12);
        Assert.Equal(0.6, pca.Components[1, 1], 12);
        Assert.Equal(6, pca.ExplainedVariance[0], 12);
        Assert.Equal(2.0 / 3, pca.ExplainedVariance[1], 12);
        Assert.Equal(0.9, pca.ExplainedVarianceRatio[0], 12);
        Assert.Equal(0.1, pca.ExplainedVarianceRatio[1], 12);
        Assert.Equal(Math.Sqrt(18), pca.SingularValues[0], 12);
        Assert.Equal(new[] { 1.0, 2.0 }, pca.Mean.Select(m => Math.Round(m, 12)));
        var scores = pca.Transform(Latents());
        Assert.Equal(3, scores[0, 0].item<double>(), 12);
        Assert.Equal(0, scores[0, 1].item<double>(), 12);
        Assert.Equal(-1, scores[3, 1].item<double>(), 12);
    }

    [Fact]
    public void Pca_KeepsRatioOverAllComponentsWhenFewerAreKept()
    {
        using var scope = torch.NewDisposeScope();
        var pca = LatentPca.Fit(Latents().to(ScalarType.Float32), 1);
        Assert.Equal(1, pca.ComponentCount);
        Assert.Equal(0.9, pca.ExplainedVarianceRatio[0], 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => LatentPca.Fit(Latents(), 3));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    [InlineData(-123.456f)]
    public void Pca_RefusesLatentsThatDoNotVary_InBothFits(float value)
    {
        using var scope = torch.NewDisposeScope();
        var constant = torch.full(new long[] { 7, 3 }, value, dtype: ScalarType.Float32);
        var error = Assert.Throws<ArgumentException>(() => LatentPca.Fit(constant, 2));
        Assert.Contains("do not vary", error.Message);
        var moments = new LatentMoments(3);
        moments.Add(constant[..4]);
        moments.Add(constant[4..]);
        Assert.Contains("do not vary", Assert.Throws<ArgumentException>(() => LatentPca.FromMoments(moments, 2)).Message);
    }

    [Fact]
    public void Pca_FitsLatentsThatDifferByOneFloat32Step()
    {
        using var scope = torch.NewDisposeScope();
        var values = Enumerable.Repeat(0.1f, 21).ToArray();
        values[4] = MathF.BitIncrement(0.1f);
        var latents = torch.tensor(values, new long[] { 7, 3 });
        foreach (var pca in new[] { LatentPca.Fit(latents, 1), FromMomentsOf(latents) })
        {
            Assert.Equal(1, pca.ExplainedVarianceRatio[0], 9);
            Assert.Equal(1, Math.Abs(pca.Components[0, 1]), 9);
        }

        static LatentPca FromMomentsOf(Tensor latents)
        {
            var moments = new LatentMoments(3);
            moments.Add(latents);
            return LatentPca.FromMoments(moments, 1);
        }
    }

    [Fact]
    public void Projection_IsUncentredProductWithComponents()
    {
        using var scope = torch.NewDisposeScope();
        var pca = LatentPca.Fit(Latents(), 2);
        // maps (N=2, L=3, D=2); map (1, 1) projects on PC1 to −0.6 + 0.8 = 0.2 and on PC2 to 1.4 (no mean subtracted).
        var maps = torch.ones(2, 3, 2, dtype: ScalarType.Float32);
        maps[1, 2, 0] = torch.tensor(2f);
        var projected = pca.ProjectMaps(maps);
        Assert.Equal(new long[] { 2, 3, 2 }, projected.shape);
        Assert.Equal(0.2, projected[0, 0, 0].item<double>(), 6);
        Assert.Equal(1.4, projected[0, 0, 1].item<double>(), 6);
        Assert.Equal(-1.2 + 0.8, projected[1, 2, 0].item<double>(), 6);
        Assert.Throws<ArgumentException>(() => pca.ProjectMaps(torch.ones(2, 3, 5)));
    }

    [Fact]
    public void TimeSeriesMaps_BinPerLabelAndComponent_AndMinMaxNormalise()
    {
        // Two samples, L = 2, C = 1, K = 1; values span [0, 1] → value edges (0, 0.5, 1), time edges (0, 1, 2).
        // "b": x = (0, 1), |proj| = (2, 4): (t0, v0 → bin 0) = 2, (t1, v1 → last bin) = 4  → [[2, 0], [0, 4]]
        // "a": x = (0.5, 0.2), |proj| = (3, 1): (t0, bin 1) = 3, (t1, bin 0) = 1           → [[0, 3], [1, 0]]
        // σ = 0 (no smoothing). Normalised (h − min)/(max − min): a → [[0, 1], [1/3, 0]], b → [[0.5, 0], [0, 1]].
        using var scope = torch.NewDisposeScope();
        var positions = torch.tensor(new double[] { 0, 1, 0.5, 0.2 }).view(2, 2, 1);
        var projections = torch.tensor(new double[] { -2, 4, 3, -1 }).view(2, 2, 1);
        var maps = GlobalSaliencyMaps.TimeSeries(positions, projections, new[] { "b", "a" }, gridSize: 2, sigma: 0);
        Assert.Equal(new[] { "a", "b" }, maps.Labels);
        Assert.Equal(new double[,] { { 0, 3 }, { 1, 0 } }, maps.Map("a", 0, normalised: false));
        Assert.Equal(new double[,] { { 2, 0 }, { 0, 4 } }, maps.Map("b", 0, normalised: false));
        AssertClose(new double[,] { { 0, 1 }, { 1.0 / 3, 0 } }, maps.Map("a", 0));
        AssertClose(new double[,] { { 0.5, 0 }, { 0, 1 } }, maps.Map("b", 0));
        Assert.Equal(new double[,] { { 2, 3 }, { 1, 4 } }, maps.Combine(0, LabelCombination.Sum, normalised: false));
        Assert.Equal(new double[,] { { 2, 3 }, { 1, 4 } }, maps.Combine(0, LabelCombination.Max, normalised: false));
        Assert.Equal(4, maps.Raw.Cast<double>().Max());
        Assert.Equal((0.0, 4.0), maps.ComponentRange(0, normalised: false));
        Assert.Equal(new double[] { 0, 1, 2 }, maps.FirstAxisEdges);
    }

    [Fact]
    public void TrajectoryMaps_BinChannelZeroAgainstChannelOne_AndDivideByMax()
    {
        // One label, points (x, y) with |weight|: (0,0):1, (1,1):2, (0.5,0.5):3, (0.2,0.9):5 on a 2×2 grid over [0,1]².
        // Bins: (0,0) = 1; (1,1) = mean(2, 3) = 2.5; (0,1) = 5 → [[1, 5], [0, 2.5]]; divided by the max 5.
        using var scope = torch.NewDisposeScope();
        var positions = torch.tensor(new double[] { 0, 0, 1, 1, 0.5, 0.5, 0.2, 0.9 }).view(2, 2, 2);
        var projections = torch.tensor(new double[] { 1, -2, 3, 5 }).view(2, 2, 1);
        var maps = GlobalSaliencyMaps.Trajectories(positions, projections, new[] { "a", "a" }, gridSize: 2, sigma: 0);
        Assert.Equal(new double[,] { { 1, 5 }, { 0, 2.5 } }, maps.Map("a", 0, normalised: false));
        AssertClose(new double[,] { { 0.2, 1 }, { 0, 0.5 } }, maps.Map("a", 0));
    }

    [Fact]
    public void Maps_HaveLabelComponentBinBinShape_AndSmoothingKeepsMass()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        var positions = torch.rand(6, 10, 2, dtype: ScalarType.Float64);
        var projections = torch.randn(6, 10, 3, dtype: ScalarType.Float64);
        var labels = new[] { "x", "y", "x", "z", "y", "x" };
        var maps = GlobalSaliencyMaps.TimeSeries(positions, projections, labels, gridSize: 16, sigma: 2);
        Assert.Equal(new[] { 3, 3, 10, 16 }, Enumerable.Range(0, 4).Select(maps.Raw.GetLength));
        var unsmoothed = GlobalSaliencyMaps.TimeSeries(positions, projections, labels, gridSize: 16, sigma: 0);
        // 'reflect' filtering with a normalised kernel preserves the total of each map.
        Assert.Equal(unsmoothed.Map("y", 2, false).Cast<double>().Sum(), maps.Map("y", 2, false).Cast<double>().Sum(), 9);
        var normalised = maps.Map("z", 1);
        Assert.Equal(0, normalised.Cast<double>().Min(), 12);
        Assert.Equal(1, normalised.Cast<double>().Max(), 12);
    }

    [Fact]
    public void BadInputs_AreArgumentExceptions()
    {
        using var scope = torch.NewDisposeScope();
        var positions = torch.rand(2, 4, 1, dtype: ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => GlobalSaliencyMaps.Trajectories(positions, torch.rand(2, 4, 1), new[] { "a", "b" }));
        Assert.Throws<ArgumentException>(() => GlobalSaliencyMaps.TimeSeries(positions, torch.rand(2, 5, 1), new[] { "a", "b" }));
        Assert.Throws<ArgumentException>(() => GlobalSaliencyMaps.TimeSeries(positions, torch.rand(2, 4, 1), new[] { "a" }));
    }

    private static void AssertClose(double[,] expected, double[,] actual)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                Assert.Equal(expected[i, j], actual[i, j], 12);
    }
}
