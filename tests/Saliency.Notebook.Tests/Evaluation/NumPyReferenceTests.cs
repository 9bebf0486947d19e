using Saliency.Notebook.Evaluation;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Tests.Explainers;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Evaluation;

/// <summary>
/// The removal curves, their areas, the white-box scores and the rank correlations against a float64 recomputation by Debian's
/// python3 on a fixed attribution: NumPy for the curves (with ROAD's own sparse linear system, solved by scipy, for the imputation,
/// so the closed form the kit uses is checked too), scikit-learn for precision/recall (as tint calls it), scipy for Spearman.
/// </summary>
public class NumPyReferenceTests
{
    private const int N = 5, C = 2, L = 12, D = 3, Steps = 4;
    private const double Sigma = 0.3;

    private const string CurvesScript = """
        from scipy.sparse import lil_matrix, csc_matrix
        from scipy.sparse.linalg import spsolve
        x = np.array(inp['x']); W = np.array(inp['w']); bias = np.array(inp['b']); v = np.array(inp['v'])
        noise = np.array(inp['noise']); full_noise = np.array(inp['full_noise']); sigma = inp['sigma']; steps = inp['steps']
        N, C, L = x.shape

        def road(xi, keep, eps):
            # ROAD's NoisyLinearImputer on a series: neighbours t-1 and t+1, weight 1/2 each, one equation per removed step.
            removed = np.where(~keep)[0]
            if len(removed) == 0: return xi.copy()
            if keep.sum() == 0: return np.repeat(xi.mean(axis=1, keepdims=True), L, axis=1) + sigma * eps
            var = {t: i for i, t in enumerate(removed)}
            A = lil_matrix((len(removed), len(removed))); rhs = np.zeros((len(removed), C)); total = np.ones(len(removed))
            for offset, weight in ((-1, 0.5), (1, 0.5)):
                for i, t in enumerate(removed):
                    u = t + offset
                    if u < 0 or u >= L: total[i] -= weight; continue
                    if keep[u]: rhs[i] -= weight * xi[:, u]
                    else: A[i, var[u]] = weight
            for i in range(len(removed)): A[i, i] = -total[i]
            solution = np.asarray(spsolve(csc_matrix(A), rhs)).reshape(len(removed), C)
            out = xi.copy(); out[:, removed] = solution.T + sigma * eps[:, removed]
            return out

        def target(series): return (W @ series.reshape(-1) + bias) @ v
        full = np.stack([road(x[i], np.zeros(L, bool), full_noise[i]) for i in range(N)])
        full_disp = np.array([abs(target(full[i]) - target(x[i])) for i in range(N)])
        out = {'full': full.tolist()}
        for axis in ('time', 'frequency'):
            s = np.array(inp['scores_' + axis]); P = s.shape[1]
            ranks = np.argsort(np.argsort(-s, axis=1, kind='stable'), axis=1)
            counts = [k * P // steps for k in range(steps + 1)]
            for order in ('deletion', 'insertion'):
                disp = np.zeros((N, len(counts)))
                for i in range(N):
                    for j, k in enumerate(counts):
                        keep = ranks[i] >= k if order == 'deletion' else ranks[i] < k
                        if keep.sum() == 0: series = full[i]
                        elif axis == 'time': series = road(x[i], keep, noise[i, j])
                        else: series = np.fft.irfft(np.where(keep, np.fft.rfft(x[i], axis=-1), np.fft.rfft(full[i], axis=-1)), n=L, axis=-1)
                        disp[i, j] = abs(target(series) - target(x[i]))
                curve = disp.mean(axis=0) / full_disp.mean()
                out[axis + '_' + order] = curve.tolist()
                out[axis + '_' + order + '_auc'] = float(np.trapz(curve, np.array(counts) / P))
        """;

    private static float[] Draw(Random random, int count, double scale = 1) => Enumerable.Range(0, count).Select(_ => (float)(scale * (random.NextDouble() * 2 - 1))).ToArray();

    [Fact]
    public void Removal_curves_and_their_areas_match_numpy_with_roads_own_linear_system()
    {
        var random = new Random(11);
        float[] x = Draw(random, N * C * L), w = Draw(random, D * C * L, 0.5), b = Draw(random, D), v = Draw(random, D);
        float[] noise = Draw(random, N * (Steps + 1) * C * L), fullNoise = Draw(random, N * C * L);
        double[] timeScores = Enumerable.Range(0, N * L).Select(_ => Math.Round(random.NextDouble(), 1)).ToArray();   // ties on purpose
        double[] frequencyScores = Enumerable.Range(0, N * (L / 2 + 1)).Select(_ => random.NextDouble()).ToArray();

        using var scope = NewDisposeScope();
        var weight = new float[D, C * L];
        Buffer.BlockCopy(w, 0, weight, 0, w.Length * sizeof(float));
        using var model = TestEncoder.Linear(weight, b, C, L);
        var xs = tensor(x).view(N, C, L);
        var fill = RemovalFill.NoisyLinear(Sigma);
        var noiseTensor = tensor(noise).view(N, Steps + 1, C, L);
        var full = fill.Apply(xs, zeros(N, L, dtype: ScalarType.Bool), tensor(fullNoise).view(N, C, L));
        var direction = tensor(v);
        double[] fullDisplacement = (model.PosteriorMean(full).matmul(direction) - model.PosteriorMean(xs).matmul(direction)).abs()
            .to(ScalarType.Float64).data<double>().ToArray();

        var reference = PythonReference.Run(CurvesScript, new
        {
            x = Nested(x, N, C, L), w = Enumerable.Range(0, D).Select(d => w.Skip(d * C * L).Take(C * L).ToArray()).ToArray(), b, v,
            noise = Enumerable.Range(0, N).Select(i => Enumerable.Range(0, Steps + 1).Select(k => Nested(noise.Skip((i * (Steps + 1) + k) * C * L).Take(C * L).ToArray(), 1, C, L)[0]).ToArray()).ToArray(),
            full_noise = Nested(fullNoise, N, C, L), sigma = Sigma, steps = Steps,
            scores_time = Enumerable.Range(0, N).Select(i => timeScores.Skip(i * L).Take(L).ToArray()).ToArray(),
            scores_frequency = Enumerable.Range(0, N).Select(i => frequencyScores.Skip(i * (L / 2 + 1)).Take(L / 2 + 1).ToArray()).ToArray(),
        });

        var expectedFull = reference.GetProperty("full").EnumerateArray().SelectMany(s => s.EnumerateArray().SelectMany(PythonReference.Doubles)).ToArray();
        AssertClose(expectedFull, full.to(ScalarType.Float64).data<double>().ToArray(), 1e-6, "fully imputed series");
        foreach (var (axis, scores, positions) in new[] { (AttributionAxis.Time, timeScores, L), (AttributionAxis.Frequency, frequencyScores, L / 2 + 1) })
        {
            var ranks = AttributionMetrics.SaliencyRanks(tensor(scores).view(N, positions));
            var counts = AttributionMetrics.RemovalCounts(positions, Steps);
            double[] fractions = counts.Select(k => (double)k / positions).ToArray();
            foreach (var order in new[] { RemovalOrder.Deletion, RemovalOrder.Insertion })
            {
                var displacement = AttributionMetrics.LatentDisplacements(model, xs, direction, ranks, counts, order, axis, fill, noiseTensor, full, batchSize: 7);
                var rows = new double[N, counts.Length];
                Buffer.BlockCopy(displacement.contiguous().data<double>().ToArray(), 0, rows, 0, N * counts.Length * sizeof(double));
                var curve = AttributionMetrics.NormalisedCurve(rows, fullDisplacement, Enumerable.Repeat(1.0, N).ToArray());
                string key = $"{axis.ToString().ToLowerInvariant()}_{order.ToString().ToLowerInvariant()}";
                AssertClose(PythonReference.Doubles(reference.GetProperty(key)), curve, 2e-5, key);
                Assert.Equal(reference.GetProperty(key + "_auc").GetDouble(), AttributionMetrics.Trapezoid(fractions, curve), 4);
            }
        }
    }

    private const string WhiteBoxScript = """
        from sklearn.metrics import precision_recall_curve, auc, average_precision_score
        from scipy.stats import spearmanr
        a = np.array(inp['scores']); truth = np.array(inp['truth']).astype(int); rows = np.repeat(np.arange(len(a)), inp['weights'])
        a = a[rows]; truth = truth[rows]
        a = (a - a.min(axis=1, keepdims=True)) / (a.max(axis=1, keepdims=True) + 1e-5)      # tint's normalisation
        precision, recall, thresholds = precision_recall_curve(truth.reshape(-1), a.reshape(-1))
        out = {'aup': auc(thresholds, precision[:-1]), 'aur': auc(thresholds, recall[:-1]),
               'auprc': average_precision_score(truth.reshape(-1), a.reshape(-1)),
               'spearman': [spearmanr(p, q)[0] for p, q in zip(np.array(inp['scores']), np.array(inp['other']))]}
        """;

    [Fact]
    public void White_box_scores_with_bootstrap_weights_and_row_spearman_match_sklearn_and_scipy()
    {
        var random = new Random(5);
        const int samples = 6, positions = 10;
        var scores = new double[samples, positions];
        var other = new double[samples, positions];
        var truth = new bool[samples, positions];
        for (int i = 0; i < samples; i++)
            for (int t = 0; t < positions; t++)
            {
                truth[i, t] = t is >= 3 and < 6;
                scores[i, t] = Math.Round(random.NextDouble() + (truth[i, t] ? 0.4 : 0), 1);   // ties within and across samples
                other[i, t] = Math.Round(random.NextDouble(), 1);
            }
        double[] weights = [2, 0, 1, 1, 3, 1];
        var reference = PythonReference.Run(WhiteBoxScript, new
        {
            scores = PythonReference.Rows(scores), other = PythonReference.Rows(other), weights,
            truth = Enumerable.Range(0, samples).Select(i => Enumerable.Range(0, positions).Select(t => truth[i, t] ? 1 : 0).ToArray()).ToArray(),
        });

        using var scope = NewDisposeScope();
        var normalised = AttributionMetrics.TintNormalise(tensor(scores.Cast<double>().ToArray()).view(samples, positions));
        var matrix = new double[samples, positions];
        Buffer.BlockCopy(normalised.data<double>().ToArray(), 0, matrix, 0, samples * positions * sizeof(double));
        var result = new WhiteBoxCurve(matrix, truth).Evaluate(weights);
        Assert.Equal(reference.GetProperty("aup").GetDouble(), result.Aup, 12);
        Assert.Equal(reference.GetProperty("aur").GetDouble(), result.Aur, 12);
        Assert.Equal(reference.GetProperty("auprc").GetDouble(), result.Auprc, 12);

        var rho = AttributionMetrics.RowSpearman(tensor(scores.Cast<double>().ToArray()).view(samples, positions), tensor(other.Cast<double>().ToArray()).view(samples, positions));
        AssertClose(PythonReference.Doubles(reference.GetProperty("spearman")), rho.data<double>().ToArray(), 1e-12, "spearman");
    }

    private static float[][][] Nested(float[] flat, int n, int c, int l) =>
        Enumerable.Range(0, n).Select(i => Enumerable.Range(0, c).Select(j => flat.Skip((i * c + j) * l).Take(l).ToArray()).ToArray()).ToArray();

    private static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: NumPy {expected[i]}, kit {actual[i]}");
    }
}
