using Saliency.Notebook.SanityChecks;

namespace Saliency.Notebook.Tests.SanityChecks;

/// <summary>The statistics against values computed by hand with the Python functions' definitions.</summary>
public class SanityStatisticsTests
{
    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(10, 1.3)]      // h = 3·0.1 = 0.3 → 1 + 0.3·(2 − 1)
    [InlineData(50, 2.5)]      // h = 1.5
    [InlineData(99, 3.97)]     // h = 2.97 → 3 + 0.97·(4 − 3)
    [InlineData(100, 4.0)]
    public void Percentile_interpolates_linearly_like_numpy(double p, double expected) =>
        Assert.Equal(expected, SanityStatistics.Percentile([4.0, 1.0, 3.0, 2.0], p), 12);

    [Fact]
    public void Percentile_of_repeated_values_and_errors()
    {
        Assert.Equal(0, SanityStatistics.Percentile([0, 0, 0, 5], 60), 12);              // h = 1.8 lies between two zeros
        Assert.Equal(2.0, SanityStatistics.Percentile([0, 0, 0, 5], 80), 12);            // h = 2.4 → 0 + 0.4·(5 − 0)
        Assert.Throws<ArgumentException>(() => SanityStatistics.Percentile([], 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => SanityStatistics.Percentile([1.0], 101));
    }

    [Fact]
    public void Spearman_averages_tied_ranks()
    {
        Assert.Equal(new[] { 1, 2.5, 2.5, 4 }, SanityStatistics.AverageRanks([1, 2, 2, 3]));
        // ranks x = (1, 2.5, 2.5, 4), y = (1, 3, 2, 4): Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5 → r = 4.5/√22.5
        Assert.Equal(4.5 / Math.Sqrt(22.5), SanityStatistics.Spearman([1, 2, 2, 3], [1, 3, 2, 4]), 12);
        Assert.Equal(-1, SanityStatistics.Spearman([1, 2, 3], [30, 20, 10]), 12);
        Assert.True(double.IsNaN(SanityStatistics.Spearman([1, 1, 1], [1, 2, 3])));
    }

    [Fact]
    public void Trapezoid_integrates_piecewise_linear_curves() =>
        Assert.Equal(0.5 * (0 + 1) + 1 * (1 + 3) / 2.0, SanityStatistics.Trapezoid([0, 1, 2], [0, 1, 3]), 12);

    [Fact]
    public void Ssim_of_identical_images_is_one_and_of_a_reversed_ramp_matches_the_hand_value()
    {
        var ramp = new double[7, 7];
        var reversed = new double[7, 7];
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 7; j++)
            {
                ramp[i, j] = (i * 7 + j) / 48.0;
                reversed[i, j] = 1 - ramp[i, j];
            }
        Assert.Equal(1, SanityStatistics.Ssim(ramp, ramp, 1), 12);

        // One valid pixel (3, 3) whose 7×7 window is the whole image: μ = 0.5 for both; the sample variance of 0..48 is
        // 200·49/48, so σ² = 204.1667/48² and σxy = −σ². C1 = 0.01², C2 = 0.03².
        double variance = 200.0 * 49 / 48 / (48 * 48);
        double c1 = 1e-4, c2 = 9e-4;
        double expected = (2 * 0.25 + c1) * (-2 * variance + c2) / ((0.25 + 0.25 + c1) * (2 * variance + c2));
        Assert.Equal(expected, SanityStatistics.Ssim(ramp, reversed, 1), 12);
    }
}

/// <summary>The same statistics against numpy and scipy themselves on random inputs with ties (Debian's python3).</summary>
public class SanityStatisticsScipyTests
{
    [Fact]
    public void Percentile_Pearson_Spearman_and_Trapezoid_equal_numpy_and_scipy()
    {
        var random = new Random(9);
        double[] x = Enumerable.Range(0, 57).Select(_ => Math.Round(random.NextDouble() * 10) / 2).ToArray();   // many ties
        double[] y = x.Select(v => v * 0.3 + random.NextDouble()).ToArray();
        double[] percentiles = { 0, 7.5, 10, 33, 50, 90, 99, 100 };
        var reference = PythonReference.Run("""
            from scipy import stats
            x, y = np.array(inp["x"]), np.array(inp["y"])
            out = {"percentiles": [np.percentile(x, p) for p in inp["p"]], "pearson": stats.pearsonr(x, y)[0],
                   "spearman": stats.spearmanr(x, y)[0], "ranks": stats.rankdata(x), "trapezoid": np.trapz(y, x=np.sort(x))}
            """, new { x, y, p = percentiles });
        Assert.Equal(PythonReference.Doubles(reference.GetProperty("percentiles")), percentiles.Select(p => SanityStatistics.Percentile(x, p)),
            (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(reference.GetProperty("pearson").GetDouble(), SanityStatistics.Pearson(x, y), 12);
        Assert.Equal(reference.GetProperty("spearman").GetDouble(), SanityStatistics.Spearman(x, y), 12);
        Assert.Equal(PythonReference.Doubles(reference.GetProperty("ranks")), SanityStatistics.AverageRanks(x));
        Assert.Equal(reference.GetProperty("trapezoid").GetDouble(), SanityStatistics.Trapezoid(x.Order().ToArray(), y), 10);
    }

    /// <summary>
    /// SSIM against skimage.metrics.structural_similarity's algorithm (skimage is not in Debian's python, so the snippet is
    /// a line-by-line port of its non-Gaussian path on scipy.ndimage.uniform_filter): float64 images, a uniform win×win
    /// 'reflect' filter, cov_norm = NP/(NP − 1), C1 = (0.01·L)², C2 = (0.03·L)², the map cropped by (win − 1)//2 and
    /// averaged. Sizes are square, non-square both ways and two with a side under 7, where the caller's win_size is the
    /// largest odd size that fits (skimage raises without it); pairs are unrelated, correlated and of data range 2.
    /// </summary>
    [Fact]
    public void Ssim_equals_a_port_of_skimage_structural_similarity_on_random_images()
    {
        var random = new Random(23);
        var cases = new List<(double[,] A, double[,] B, double Range)>();
        foreach (var (rows, cols, range, correlated) in new[] { (7, 7, 1.0, false), (12, 12, 1.0, true), (9, 16, 1.0, true), (20, 11, 2.0, false), (5, 9, 1.0, true), (4, 6, 1.0, true) })
        {
            var a = new double[rows, cols];
            var b = new double[rows, cols];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                {
                    a[i, j] = random.NextDouble() * range;
                    b[i, j] = correlated ? Math.Clamp(a[i, j] + 0.2 * range * (random.NextDouble() - 0.5), 0, range) : random.NextDouble() * range;
                }
            cases.Add((a, b, range));
        }
        var reference = PythonReference.Run("""
            from scipy.ndimage import uniform_filter
            def structural_similarity(im1, im2, data_range, win_size=7, K1=0.01, K2=0.03):
                im1, im2 = im1.astype(np.float64), im2.astype(np.float64)
                if np.any((np.asarray(im1.shape) - win_size) < 0): raise ValueError("win_size exceeds image extent")
                NP = win_size ** im1.ndim
                cov_norm = NP / (NP - 1)  # use_sample_covariance=True
                ux, uy = uniform_filter(im1, size=win_size), uniform_filter(im2, size=win_size)
                uxx, uyy = uniform_filter(im1 * im1, size=win_size), uniform_filter(im2 * im2, size=win_size)
                uxy = uniform_filter(im1 * im2, size=win_size)
                vx, vy, vxy = cov_norm * (uxx - ux * ux), cov_norm * (uyy - uy * uy), cov_norm * (uxy - ux * uy)
                C1, C2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
                A1, A2, B1, B2 = 2 * ux * uy + C1, 2 * vxy + C2, ux ** 2 + uy ** 2 + C1, vx + vy + C2
                S = (A1 * A2) / (B1 * B2)
                pad = (win_size - 1) // 2
                return S[pad:S.shape[0] - pad, pad:S.shape[1] - pad].mean(dtype=np.float64)
            ssim = []
            for c in inp["cases"]:
                a, b = np.array(c["a"]), np.array(c["b"])
                win = min(7, *a.shape)
                win -= 1 - win % 2
                ssim.append(structural_similarity(a, b, data_range=c["range"], win_size=win))
            out = {"ssim": ssim}
            """, new { cases = cases.Select(c => new { a = PythonReference.Rows(c.A), b = PythonReference.Rows(c.B), range = c.Range }).ToArray() });
        var expected = PythonReference.Doubles(reference.GetProperty("ssim"));
        Assert.Equal(cases.Count, expected.Length);
        for (int k = 0; k < cases.Count; k++)
        {
            double actual = SanityStatistics.Ssim(cases[k].A, cases[k].B, cases[k].Range);
            Assert.True(Math.Abs(expected[k] - actual) < 1e-12,
                $"case {k} ({cases[k].A.GetLength(0)}×{cases[k].A.GetLength(1)}): skimage {expected[k]}, ours {actual}");
        }
    }
}

public class SanityTableTests
{
    private sealed record Row(string Label, int KeptSteps, double MeanAbsDeltaPc1, long Sample, bool Passes);

    [Fact]
    public void Rows_become_typed_snake_case_columns_in_declaration_order()
    {
        var frame = Saliency.Notebook.SanityChecks.SanityTable.From(new[] { new Row("a", 3, 0.5, 7, true), new Row("b", 4, double.NaN, 8, false) });
        Assert.Equal(new[] { "label", "kept_steps", "mean_abs_delta_pc1", "sample", "passes" }, frame.Columns.Select(c => c.Name));
        Assert.Equal(new[] { typeof(string), typeof(int), typeof(double), typeof(long), typeof(bool) }, frame.Columns.Select(c => c.DataType));
        Assert.Equal(2, frame.Rows.Count);
        Assert.Equal("b", frame["label"][1]);
        Assert.Equal(4, frame["kept_steps"][1]);
        Assert.True(double.IsNaN((double)frame["mean_abs_delta_pc1"][1]!));
        Assert.Equal(false, frame["passes"][1]);
    }

    private sealed record Unsupported(DateTime When);

    [Fact]
    public void An_unsupported_property_type_is_a_clear_error()
    {
        var error = Assert.Throws<NotSupportedException>(() => Saliency.Notebook.SanityChecks.SanityTable.From(new[] { new Unsupported(DateTime.UnixEpoch) }));
        Assert.Contains("Unsupported.When is a DateTime", error.Message);
    }
}
