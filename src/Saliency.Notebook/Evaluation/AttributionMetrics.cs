using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Evaluation;

/// <summary>Whether a removal curve deletes the most salient steps first, or restores them first into a fully imputed series.</summary>
public enum RemovalOrder
{
    /// <summary>Remove the most salient positions first (ROAD's MoRF).</summary>
    Deletion,
    /// <summary>Start from the fully imputed series and restore the most salient positions first (keep the most relevant; ROAD's LeRF).</summary>
    Insertion,
}

/// <summary>
/// The evaluation's metrics of attributions towards one latent target, each a pure function on tensors so that it can be checked by
/// hand and against NumPy: removal curves of the latent displacement (deletion, insertion), max-sensitivity (Yeh et al. 2019, with
/// Captum's <c>sensitivity_max</c> semantics), per-sample Spearman rank correlation, and the white-box scores of a map against a known
/// truth (tint's <c>aup</c>, <c>aur</c>, <c>auprc</c>). Everything is batched over samples, fractions and perturbations.
/// </summary>
public static class AttributionMetrics
{
    /// <summary>
    /// How many positions are removed at each of the <paramref name="steps"/> + 1 points of a removal curve: ⌊k·P/steps⌋ for
    /// k = 0..steps, so the curve runs from none to all P positions; the curve's x-axis is these counts divided by P.
    /// </summary>
    public static long[] RemovalCounts(int positions, int steps)
    {
        if (positions < 1) throw new ArgumentOutOfRangeException(nameof(positions), positions, "A map needs at least one position.");
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "A removal curve needs at least one step.");
        return Enumerable.Range(0, steps + 1).Select(k => (long)k * positions / steps).ToArray();
    }

    /// <summary>
    /// The rank of every position of each row of <paramref name="scores"/> (N, P) in descending order of saliency (0 = most salient),
    /// ties broken by position (the earlier first), as NumPy's <c>argsort(-scores, kind='stable')</c>. A NaN score is an error.
    /// </summary>
    public static Tensor SaliencyRanks(Tensor scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.dim() != 2) throw new ArgumentException($"Scores must be (N, P); got [{string.Join(", ", scores.shape)}].", nameof(scores));
        using var scope = NewDisposeScope();
        if (scores.isnan().any().item<bool>()) throw new ArgumentException("A saliency score is NaN: the attribution is not finite.", nameof(scores));
        var order = (-scores.to(ScalarType.Float64)).sort(1, stable: true).Indices;
        return order.argsort(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// |t(x′) − t(x)| (N, K + 1) for the K + 1 points of a removal curve, t(x) = posterior mean · <paramref name="direction"/> (D):
    /// x′ is x with the <paramref name="counts"/>[k] most salient positions (by <paramref name="ranks"/>, (N, P)) removed (deletion) or
    /// with all but them removed (insertion). On the time axis (P = L) removed steps are filled by <paramref name="fill"/> with
    /// <paramref name="noise"/> (N, K + 1, C, L) standard normal; on the frequency axis (P = L/2 + 1 rfft bins) a removed bin takes
    /// the fully imputed series' coefficient. A series with every position removed is <paramref name="fullyImputed"/> (N, C, L)
    /// itself, on either axis. At most <paramref name="batchSize"/> series go through the model at once, without a graph.
    /// </summary>
    public static Tensor LatentDisplacements(ILatentEncoder model, Tensor x, Tensor direction, Tensor ranks, long[] counts, RemovalOrder order,
        AttributionAxis axis, RemovalFill fill, Tensor? noise, Tensor fullyImputed, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(direction);
        ArgumentNullException.ThrowIfNull(ranks);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(fill);
        ArgumentNullException.ThrowIfNull(fullyImputed);
        LatentExplainer.ValidateInput(model, x);
        long n = x.shape[0], c = x.shape[1], l = x.shape[2], positions = axis == AttributionAxis.Time ? l : l / 2 + 1;
        if (!ranks.shape.SequenceEqual(new[] { n, positions }))
            throw new ArgumentException($"Ranks must be (N, P) = ({n}, {positions}) for the {axis} axis; got [{string.Join(", ", ranks.shape)}].", nameof(ranks));
        if (!fullyImputed.shape.SequenceEqual(x.shape)) throw new ArgumentException("The fully imputed series must have x's shape.", nameof(fullyImputed));
        if (counts.Length == 0 || counts.Any(k => k < 0 || k > positions)) throw new ArgumentException($"Removal counts must lie in 0..{positions}.", nameof(counts));
        if (axis == AttributionAxis.Time && fill.Kind == FillKind.NoisyLinear && (noise is null || !noise.shape.SequenceEqual(new[] { n, counts.Length, c, l })))
            throw new ArgumentException($"The noisy linear fill needs noise (N, K + 1, C, L) = ({n}, {counts.Length}, {c}, {l}).", nameof(noise));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");

        int points = counts.Length;
        // Only the points in between need the model: with nothing removed x′ = x (displacement 0), with everything removed x′ is the
        // fully imputed series, encoded once per sample rather than once per such point.
        bool Untouched(long k) => order == RemovalOrder.Deletion ? k == 0 : k == positions;
        bool Emptied(long k) => order == RemovalOrder.Deletion ? k == positions : k == 0;
        long[] between = Enumerable.Range(0, points).Where(i => !Untouched(counts[i]) && !Emptied(counts[i])).Select(i => (long)i).ToArray();
        int inner = between.Length;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = x.device;
        var v = direction.to(ScalarType.Float32, device).reshape(-1, 1);
        var innerCounts = tensor(between.Select(i => counts[i]).ToArray(), device: device).view(1, inner, 1);
        var betweenIndex = tensor(between, device: device);
        long samplesPerChunk = Math.Max(1, batchSize / Math.Max(1, inner));
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += samplesPerChunk)
        {
            long s = Math.Min(samplesPerChunk, n - start);
            using var chunkScope = NewDisposeScope();
            var xs = x.narrow(0, start, s);
            var full = fullyImputed.narrow(0, start, s).to(device);
            var reference = model.PosteriorMean(xs).to(ScalarType.Float32).matmul(v);             // (s, 1)
            var emptied = (model.PosteriorMean(full).to(ScalarType.Float32).matmul(v) - reference).abs();
            var displacement = zeros(s, points, dtype: ScalarType.Float32, device: device);
            for (int i = 0; i < points; i++)
                if (Emptied(counts[i])) displacement[.., i] = emptied.squeeze(1);
            if (inner > 0)
            {
                var rankChunk = ranks.narrow(0, start, s).to(device).unsqueeze(1);                 // (s, 1, P)
                var keep = order == RemovalOrder.Deletion ? rankChunk >= innerCounts : rankChunk < innerCounts;   // (s, inner, P)
                Tensor perturbed;
                if (axis == AttributionAxis.Time)
                {
                    var repeated = xs.unsqueeze(1).expand(s, inner, c, l).reshape(s * inner, c, l);
                    var noiseChunk = noise?.narrow(0, start, s).to(device).index_select(1, betweenIndex).reshape(s * inner, c, l);
                    perturbed = fill.Apply(repeated, keep.reshape(s * inner, l), noiseChunk);
                }
                else
                {
                    var spectrum = fft.rfft(xs, dim: 2).unsqueeze(1);                               // (s, 1, C, F)
                    var fullSpectrum = fft.rfft(full, dim: 2).unsqueeze(1);
                    var mixed = where(keep.unsqueeze(2), spectrum, fullSpectrum);                // (s, inner, C, F)
                    perturbed = fft.irfft(mixed, n: l, dim: 3).to(x.dtype).reshape(s * inner, c, l);
                }
                var moved = new List<Tensor>();
                for (long first = 0; first < s * inner; first += batchSize)
                    moved.Add(model.PosteriorMean(perturbed.narrow(0, first, Math.Min(batchSize, s * inner - first))).to(ScalarType.Float32).matmul(v));
                displacement.index_copy_(1, betweenIndex, (cat(moved, 0).view(s, inner) - reference).abs());
            }
            parts.Add(displacement.to(ScalarType.Float64).cpu().MoveToOuterDisposeScope());
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The normalised mean removal curve: the sample-weighted mean displacement at each point (<paramref name="displacements"/>
    /// (N, K + 1)) divided by the weighted mean displacement of the fully imputed series (<paramref name="fullDisplacement"/> (N)), so
    /// that a deletion curve runs from 0 to 1 and an insertion curve from 1 to 0. <paramref name="weights"/> (N) are the samples'
    /// multiplicities (all 1 for the estimate, bootstrap counts for its spread). Taking the ratio of means, not the mean of per-sample
    /// ratios, keeps a sample whose imputation barely moves the target from dominating.
    /// </summary>
    public static double[] NormalisedCurve(double[,] displacements, double[] fullDisplacement, double[] weights)
    {
        int n = displacements.GetLength(0), points = displacements.GetLength(1);
        if (fullDisplacement.Length != n || weights.Length != n) throw new ArgumentException("One full displacement and one weight per sample are needed.");
        double denominator = 0;
        var curve = new double[points];
        for (int i = 0; i < n; i++)
        {
            double w = weights[i];
            if (w == 0) continue;
            denominator += w * fullDisplacement[i];
            for (int k = 0; k < points; k++) curve[k] += w * displacements[i, k];
        }
        for (int k = 0; k < points; k++) curve[k] = denominator > 0 ? curve[k] / denominator : double.NaN;
        return curve;
    }

    /// <summary>Area under y(x) by the trapezoid rule (numpy.trapz).</summary>
    public static double Trapezoid(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count) throw new ArgumentException($"Trapezoid needs equal lengths; got {x.Count} and {y.Count}.");
        double area = 0;
        for (int i = 1; i < x.Count; i++) area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
        return area;
    }

    /// <summary>
    /// Max-sensitivity (Yeh et al. 2019) with Captum's <c>sensitivity_max</c> semantics, per sample (N) float64: x (N, C, L) is
    /// perturbed <paramref name="perturbations"/> times by noise uniform in [−<paramref name="radius"/>, <paramref name="radius"/>]
    /// (Captum's <c>default_perturb_func</c>, radius 0.02 there), <paramref name="explain"/> maps a batch of series to its attributions
    /// (any shape with the batch first), and the result is max over the perturbations of ‖e(x + δ) − e(x)‖₂ / ‖e(x)‖₂ over all of a
    /// sample's attribution values (Frobenius), a zero norm counting as 1 as in Captum. All perturbations go to
    /// <paramref name="explain"/> in one call, which batches.
    /// </summary>
    public static Tensor MaxSensitivity(Func<Tensor, Tensor> explain, Tensor x, double radius, int perturbations, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(explain);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(generator);
        if (!(radius >= 0) || !double.IsFinite(radius)) throw new ArgumentOutOfRangeException(nameof(radius), radius, "The perturbation radius must be finite and ≥ 0.");
        if (perturbations < 1) throw new ArgumentOutOfRangeException(nameof(perturbations), perturbations, "At least one perturbation is needed.");
        long n = x.shape[0];
        using var scope = NewDisposeScope();
        var original = explain(x).to(ScalarType.Float64).reshape(n, -1);
        var repeated = x.repeat_interleave(perturbations, 0);
        var delta = (rand(repeated.shape, dtype: ScalarType.Float64, generator: generator) * 2 - 1) * radius;
        var perturbed = explain(repeated + delta.to(x.dtype, x.device)).to(ScalarType.Float64).reshape(n, perturbations, -1);
        var norm = original.norm(1, keepdim: true);
        norm = where(norm == 0, ones_like(norm), norm);
        var relative = (perturbed - original.unsqueeze(1)).norm(2) / norm;                      // (N, P)
        return relative.max(1).values.cpu().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Ranks 1..P of each row of <paramref name="values"/> (N, P), ties given their average rank (scipy.stats.rankdata 'average'), float64.
    /// </summary>
    public static Tensor AverageRanks(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.dim() != 2) throw new ArgumentException($"Values must be (N, P); got [{string.Join(", ", values.shape)}].", nameof(values));
        using var scope = NewDisposeScope();
        long n = values.shape[0], p = values.shape[1];
        var (sorted, order) = values.to(ScalarType.Float64).sort(1, stable: true);
        var position = arange(p, dtype: ScalarType.Int64, device: values.device).unsqueeze(0).expand(n, p);
        var differs = sorted.narrow(1, 1, p - 1) != sorted.narrow(1, 0, p - 1);
        var truthColumn = ones(n, 1, dtype: ScalarType.Bool, device: values.device);
        var startsRun = cat([truthColumn, differs], 1);
        var endsRun = cat([differs, truthColumn], 1);
        var runStart = where(startsRun, position, 0L).cummax(1).values;
        var lastEndFromBack = where(endsRun.flip(1), position, -1L).cummax(1).values;          // the run's end, counted from the back
        var runEnd = ((p - 1) - lastEndFromBack).flip(1);
        var average = (runStart + runEnd).to(ScalarType.Float64) / 2 + 1;
        return zeros(n, p, dtype: ScalarType.Float64, device: values.device).scatter_(1, order, average).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Spearman rank correlation of each row of <paramref name="a"/> with the same row of <paramref name="b"/> (both (N, P)): the Pearson
    /// correlation of their average ranks (scipy.stats.spearmanr), (N) float64, NaN for a row that is constant in either.
    /// </summary>
    public static Tensor RowSpearman(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.shape.SequenceEqual(b.shape)) throw new ArgumentException($"Spearman needs maps of one shape; got [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}].");
        using var scope = NewDisposeScope();
        var ra = AverageRanks(a);
        var rb = AverageRanks(b);
        ra = ra - ra.mean([1], keepdim: true);
        rb = rb - rb.mean([1], keepdim: true);
        var denominator = ((ra * ra).sum(1) * (rb * rb).sum(1)).sqrt();
        var correlation = (ra * rb).sum(1) / denominator;
        return where(denominator > 0, correlation.clamp(-1, 1), full_like(correlation, double.NaN)).cpu().MoveToOuterDisposeScope();
    }

    /// <summary>tint's white-box normalisation of each row of (N, P) scores: (s − min) / (max + 1e-5), float64.</summary>
    public static Tensor TintNormalise(Tensor scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        using var scope = NewDisposeScope();
        var s = scores.to(ScalarType.Float64).reshape(scores.shape[0], -1);
        return ((s - s.min(1, keepdim: true).values) / (s.max(1, keepdim: true).values + 1e-5)).cpu().MoveToOuterDisposeScope();
    }
}
