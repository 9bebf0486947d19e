using Saliency.Notebook.GlobalMaps;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.GlobalMaps;

/// <summary>
/// PCA, binning, filtering and the global maps against scikit-learn and scipy themselves (Debian's python3, see
/// <see cref="PythonReference"/>), on random non-symmetric inputs that would expose a transposed matrix or a swapped axis.
/// </summary>
public class ScipySklearnReferenceTests
{
    /// <summary>(N, D) latents with very different spreads per direction, so the components are well separated.</summary>
    private static double[,] RandomLatents(int n, int d, int seed)
    {
        var random = new Random(seed);
        var mixing = new double[d, d];
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) mixing[i, j] = random.NextDouble() * 2 - 1;
        var latents = new double[n, d];
        for (int s = 0; s < n; s++)
            for (int j = 0; j < d; j++)
            {
                double value = 0.3 * j - 1;
                for (int k = 0; k < d; k++) value += mixing[k, j] * (random.NextDouble() * 2 - 1) * Math.Pow(3, d - k);
                latents[s, j] = value;
            }
        return latents;
    }

    private static Tensor ToTensor(double[,] matrix) =>
        torch.tensor(matrix.Cast<double>().ToArray(), new long[] { matrix.GetLength(0), matrix.GetLength(1) }, dtype: ScalarType.Float64);

    [Fact]
    public void LatentPca_equals_sklearn_PCA_with_the_papers_sign_rule()
    {
        using var scope = NewDisposeScope();
        const int n = 40, d = 6, k = 3, length = 5;
        var latents = RandomLatents(n, d, seed: 11);
        var random = new Random(12);
        var maps = Enumerable.Range(0, 4 * length * d).Select(_ => random.NextDouble()).ToArray();   // (4, L, D) GradCAM-like maps
        var reference = PythonReference.Run("""
            from sklearn.decomposition import PCA
            X = np.array(inp["latents"])
            pca = PCA(n_components=inp["k"]).fit(X)
            # The paper's sklearn (1.5) signs the components by svd_flip(u_based_decision=False): each row's largest-|value|
            # entry is positive. Debian's 1.2 signs by U, so the rule is applied here explicitly.
            signs = np.sign(pca.components_[np.arange(inp["k"]), np.argmax(np.abs(pca.components_), axis=1)])
            components = pca.components_ * signs[:, None]
            maps = np.array(inp["maps"]).reshape(4, inp["length"], X.shape[1])
            out = {"components": components, "variance": pca.explained_variance_, "ratio": pca.explained_variance_ratio_,
                   "singular": pca.singular_values_, "mean": pca.mean_, "scores": pca.transform(X) * signs,
                   "projected": (maps.reshape(-1, X.shape[1]) @ components.T).reshape(4 * inp["length"], inp["k"])}
            """, new { latents = PythonReference.Rows(latents), k, maps, length });

        var pca = LatentPca.Fit(ToTensor(latents), k);
        PythonReference.AssertClose(PythonReference.Matrix(reference.GetProperty("components")), pca.Components, 1e-10, "components");
        Assert.Equal(PythonReference.Doubles(reference.GetProperty("mean")), pca.Mean, (a, b) => Math.Abs(a - b) < 1e-10);
        Assert.Equal(PythonReference.Doubles(reference.GetProperty("variance")), pca.ExplainedVariance, (a, b) => Math.Abs(a - b) < 1e-8 * Math.Abs(a));
        Assert.Equal(PythonReference.Doubles(reference.GetProperty("ratio")), pca.ExplainedVarianceRatio, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(PythonReference.Doubles(reference.GetProperty("singular")), pca.SingularValues, (a, b) => Math.Abs(a - b) < 1e-9 * Math.Abs(a));

        using var scores = pca.Transform(ToTensor(latents));
        PythonReference.AssertClose(PythonReference.Matrix(reference.GetProperty("scores")), Matrix(scores), 1e-9, "scores");
        using var projected = pca.ProjectMaps(torch.tensor(maps, new long[] { 4, length, d }, dtype: ScalarType.Float64));
        PythonReference.AssertClose(PythonReference.Matrix(reference.GetProperty("projected")), Matrix(projected.reshape(4 * length, k)), 1e-12, "projected maps");
    }

    [Fact]
    public void BinnedStatistic2D_equals_scipy_on_edges_rounding_and_outliers()
    {
        // Inner edges, the last edge, values just past it that round onto it (scipy puts them in the last bin) and ones that
        // do not, values outside the range and NaN; an x range of width 3 in 6 bins (edges at multiples of 0.5, inexact in
        // binary for the rounding rule), y over [−1, 4] in 5 bins.
        double[] x = { 0, 0.5, 1.0, 2.0, 3.0, 3.0, 2.9999, 3 + 1e-9, 3 + 1e-5, 4.5, -0.1, 1.5, 2.25, 0.75, double.NaN, 1.2 };
        double[] y = { 0, 1, 2, 3, 4, 4, 1.2, 2, 2, 2, 2, 4 + 1e-9, -1, 3.3, 1, 0.1 };
        double[] w = { 1, 2, 3, 4, 5, 7, 0.5, 11, 13, 9, 9, 6, 2.5, 1.25, 3, 0.7 };
        var reference = PythonReference.Run("""
            from scipy.stats import binned_statistic_2d
            x = np.array(inp["x"], dtype=float)  # null -> NaN
            r = binned_statistic_2d(x, inp["y"], inp["w"], "mean", bins=[6, 5], range=[[0, 3], [-1, 4]])
            out = {"mean": r.statistic, "x_edges": r.x_edge, "y_edges": r.y_edge}
            """, new { x = x.Select(v => double.IsNaN(v) ? (double?)null : v), y, w });
        var mean = BinnedStatistic2D.Mean(x, y, w, 6, 5, (0, 3), (-1, 4));
        PythonReference.AssertClose(PythonReference.Matrix(reference.GetProperty("mean")), mean, 1e-12, "binned mean");
        Assert.Equal(PythonReference.Doubles(reference.GetProperty("x_edges")), BinnedStatistic2D.Edges(0, 3, 6));
        Assert.Equal(PythonReference.Doubles(reference.GetProperty("y_edges")), BinnedStatistic2D.Edges(-1, 4, 5));
    }

    [Fact]
    public void GaussianFilter_equals_scipy_including_reflections_longer_than_the_array()
    {
        var random = new Random(5);
        var input = new double[7, 4];
        for (int i = 0; i < 7; i++) for (int j = 0; j < 4; j++) input[i, j] = random.NextDouble();
        foreach (double sigma in new[] { 0.5, 1.3, 5.0 })   // radius 2, 5 (> 4 columns) and 20 (> both sizes)
        {
            var reference = PythonReference.Run("""
                from scipy.ndimage import gaussian_filter
                out = gaussian_filter(np.array(inp["a"]), sigma=inp["sigma"])
                """, new { a = PythonReference.Rows(input), sigma });
            PythonReference.AssertClose(PythonReference.Matrix(reference), GaussianFilter.Apply(input, sigma), 1e-12, $"sigma {sigma}");
        }
    }

    /// <summary>The paper's compute_binned_heatmaps_per_label_and_component, transcribed from §3.2 of the method notes.</summary>
    private const string PaperMaps = """
        from scipy.stats import binned_statistic_2d
        from scipy.ndimage import gaussian_filter
        P = np.array(inp["positions"]); proj = np.array(inp["projections"]); labels = np.array(inp["labels"])
        N, L, C = P.shape; grid, sigma = inp["grid"], inp["sigma"]
        out = {}
        for l in np.unique(labels):
            sel = labels == l
            for c in range(proj.shape[2]):
                w = np.abs(proj[sel, :, c]).ravel()
                if inp["kind"] == "series":
                    vmin, vmax = np.nanmin(P), np.nanmax(P)
                    t = np.tile(np.arange(L), sel.sum())
                    h = binned_statistic_2d(t, P[sel, :, 0].ravel(), w, "mean", bins=[L, grid], range=[[0, L], [vmin, vmax]]).statistic
                    h = gaussian_filter(np.nan_to_num(h), sigma=sigma)
                    h = (h - h.min()) / max(1e-8, h.max() - h.min())
                else:
                    xr = [P[:, :, 0].min(), P[:, :, 0].max()]; yr = [P[:, :, 1].min(), P[:, :, 1].max()]
                    h = binned_statistic_2d(P[sel, :, 0].ravel(), P[sel, :, 1].ravel(), w, "mean", bins=grid, range=[xr, yr]).statistic
                    h = gaussian_filter(np.nan_to_num(h), sigma=sigma)
                    if h.max() > 0: h = h / h.max()
                out[f"{l}|{c}"] = h
        """;

    [Theory]
    [InlineData("series")]
    [InlineData("trajectories")]
    public void Global_maps_equal_the_papers_scipy_pipeline(string kind)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(21);
        const int n = 9, length = 12, grid = 15;
        var positions = rand(new long[] { n, length, 2 }, dtype: ScalarType.Float64, generator: generator) * 3 - 1;
        var projections = randn(new long[] { n, length, 2 }, dtype: ScalarType.Float64, generator: generator);
        string[] labels = Enumerable.Range(0, n).Select(i => "abc"[i % 3].ToString()).ToArray();
        var reference = PythonReference.Run(PaperMaps, new
        {
            positions = Nested(positions), projections = Nested(projections), labels, grid, sigma = 1.5, kind,
        });
        var maps = kind == "series"
            ? GlobalSaliencyMaps.TimeSeries(positions, projections, labels, grid, 1.5)
            : GlobalSaliencyMaps.Trajectories(positions, projections, labels, grid, 1.5);
        foreach (string label in new[] { "a", "b", "c" })
            for (int c = 0; c < 2; c++)
                PythonReference.AssertClose(PythonReference.Matrix(reference.GetProperty($"{label}|{c}")), maps.Map(label, c), 1e-10, $"{kind} {label} PC{c + 1}");
    }

    private static double[][][] Nested(Tensor values)
    {
        var flat = values.contiguous().data<double>().ToArray();
        long n = values.shape[0], l = values.shape[1], c = values.shape[2];
        return Enumerable.Range(0, (int)n).Select(i => Enumerable.Range(0, (int)l).Select(t => flat.AsSpan((int)((i * l + t) * c), (int)c).ToArray()).ToArray()).ToArray();
    }

    private static double[,] Matrix(Tensor values)
    {
        using var host = values.detach().to(ScalarType.Float64).cpu().contiguous();
        var flat = host.data<double>().ToArray();
        int rows = (int)values.shape[0], columns = (int)values.shape[1];
        var matrix = new double[rows, columns];
        for (int i = 0; i < rows; i++) for (int j = 0; j < columns; j++) matrix[i, j] = flat[i * columns + j];
        return matrix;
    }
}
