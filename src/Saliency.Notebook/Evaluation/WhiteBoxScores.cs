namespace Saliency.Notebook.Evaluation;

/// <summary>tint's three white-box scores of a map against the known truth: area under precision, under recall, and average precision.</summary>
/// <param name="Aup">tint's <c>aup</c>: the area under precision as a function of the threshold, auc(thresholds, precision[:-1]).</param>
/// <param name="Aur">tint's <c>aur</c>: the area under recall as a function of the threshold, auc(thresholds, recall[:-1]).</param>
/// <param name="Auprc">tint's <c>auprc</c>: sklearn's average_precision_score, Σ (Rₙ − Rₙ₋₁) Pₙ.</param>
public readonly record struct WhiteBoxScores(double Aup, double Aur, double Auprc);

/// <summary>
/// The white-box metrics of tint (<c>tint.metrics.white_box</c>: <c>aup</c>, <c>aur</c>, <c>auprc</c>) for maps whose truth is known
/// (planted data), with tint's semantics: each sample's map normalised as (a − min) / (max + 1e-5) (<see cref="AttributionMetrics.TintNormalise"/>;
/// tint divides by max, not by max − min), all samples' positions pooled, and scikit-learn's precision_recall_curve (every distinct
/// score a threshold, precision and recall at each) under them. The pooled points are sorted once, so that a bootstrap resample
/// (samples given integer weights) costs one pass: a resample repeats a sample's points, which is the same as weighting them.
/// </summary>
public sealed class WhiteBoxCurve
{
    private readonly double[] _scores;
    private readonly bool[] _truth;
    private readonly int[] _sample;

    /// <summary>Pools <paramref name="normalisedScores"/> (N, P), already normalised, against <paramref name="truth"/> (N, P).</summary>
    public WhiteBoxCurve(double[,] normalisedScores, bool[,] truth)
    {
        ArgumentNullException.ThrowIfNull(normalisedScores);
        ArgumentNullException.ThrowIfNull(truth);
        int n = normalisedScores.GetLength(0), p = normalisedScores.GetLength(1);
        if (truth.GetLength(0) != n || truth.GetLength(1) != p)
            throw new ArgumentException($"The truth ({truth.GetLength(0)} × {truth.GetLength(1)}) must have the maps' shape ({n} × {p}).", nameof(truth));
        Samples = n;
        var order = Enumerable.Range(0, n * p).ToArray();
        var keys = new double[n * p];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = -normalisedScores[i / p, i % p];
            if (double.IsNaN(keys[i])) throw new ArgumentException("A normalised score is NaN.", nameof(normalisedScores));
        }
        Array.Sort(keys, order);
        _scores = keys.Select(k => -k).ToArray();
        _truth = order.Select(i => truth[i / p, i % p]).ToArray();
        _sample = order.Select(i => i / p).ToArray();
    }

    /// <summary>N, the number of samples pooled.</summary>
    public int Samples { get; }

    /// <summary>
    /// The three scores with each sample counted <paramref name="sampleWeights"/>[i] times (null: once). Fewer than two distinct
    /// thresholds give NaN for aup and aur (scikit-learn's auc refuses a single point).
    /// </summary>
    public WhiteBoxScores Evaluate(double[]? sampleWeights = null)
    {
        if (sampleWeights is not null && sampleWeights.Length != Samples)
            throw new ArgumentException($"One weight per sample is needed ({Samples}); got {sampleWeights.Length}.", nameof(sampleWeights));
        var thresholds = new List<double>();
        var truePositives = new List<double>();
        var falsePositives = new List<double>();
        double tp = 0, fp = 0, groupWeight = 0;
        for (int i = 0; i < _scores.Length; i++)
        {
            double w = sampleWeights?[_sample[i]] ?? 1;
            if (_truth[i]) tp += w;
            else fp += w;
            groupWeight += w;
            bool groupEnds = i == _scores.Length - 1 || _scores[i + 1] != _scores[i];
            if (!groupEnds) continue;
            if (groupWeight > 0)
            {
                thresholds.Add(_scores[i]);
                truePositives.Add(tp);
                falsePositives.Add(fp);
            }
            groupWeight = 0;
        }
        int k = thresholds.Count;
        var precision = new double[k];
        var recall = new double[k];
        for (int i = 0; i < k; i++)
        {
            precision[i] = truePositives[i] / (truePositives[i] + falsePositives[i]);
            recall[i] = tp == 0 ? 1 : truePositives[i] / tp;
        }
        double aup = double.NaN, aur = double.NaN;
        if (k >= 2)
        {
            aup = 0;
            aur = 0;
            for (int i = 1; i < k; i++)                         // thresholds descend here; the area is the same as over ascending ones
            {
                double width = thresholds[i - 1] - thresholds[i];
                aup += width * (precision[i] + precision[i - 1]) / 2;
                aur += width * (recall[i] + recall[i - 1]) / 2;
            }
        }
        double averagePrecision = 0, previousRecall = 0;
        for (int i = 0; i < k; i++)
        {
            averagePrecision += (recall[i] - previousRecall) * precision[i];
            previousRecall = recall[i];
        }
        return new WhiteBoxScores(aup, aur, averagePrecision);
    }
}
