using System.Diagnostics;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Evaluation;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Benchmarks;

/// <summary>One method of <see cref="EvaluationBenchmark"/>: both paths' seconds and the largest difference of their four metrics.</summary>
/// <param name="Method">The method.</param>
/// <param name="BatchedSeconds">The evaluation's batched path.</param>
/// <param name="LoopSeconds">The straightforward per-sample loop.</param>
/// <param name="MaxDifference">max |batched − loop| over deletion_auc, insertion_auc, max_sensitivity, randomisation_distance.</param>
/// <param name="WorstMetric">The metric where that difference is.</param>
/// <param name="ScoreDifference">
/// max |batched − per-sample| of the attribution scores the removal curves rank, over the largest |score|: float32 attributions
/// computed for a batch of N and for one sample round differently.
/// </param>
/// <param name="ReorderedSamples">Samples whose removal order differs between the two (near-ties swapped by that rounding): the
/// cause of AUC differences larger than the scores' own.</param>
public sealed record EvaluationBenchmarkRow(string Method, double BatchedSeconds, double LoopSeconds, double MaxDifference, string WorstMetric,
    double ScoreDifference, int ReorderedSamples)
{
    /// <summary>How many times faster the batched path is.</summary>
    public double Speedup => LoopSeconds / BatchedSeconds;
}

/// <summary>The benchmark's result: the data it ran on and one row per method.</summary>
public sealed record EvaluationBenchmarkResult(string Dataset, int Samples, string Device, IReadOnlyList<EvaluationBenchmarkRow> Rows)
{
    /// <summary>Total loop seconds over total batched seconds.</summary>
    public double Speedup => Rows.Sum(r => r.LoopSeconds) / Rows.Sum(r => r.BatchedSeconds);
}

/// <summary>
/// The evaluation's batched path (<see cref="LatentEvaluation"/>: all fractions × samples, all perturbations, every attribution in one
/// batched call) against a straightforward per-sample loop of the same metrics — one attribution call per sample and per
/// perturbation, one forward pass per perturbed series — measured side by side in one run on the same draws (the same imputation
/// noise, perturbations and randomised model), so the two must give the same numbers; the largest difference is reported with the
/// times. A benchmark, not a test.
/// </summary>
public static class EvaluationBenchmark
{
    /// <summary>
    /// Runs both paths for each method of <paramref name="options"/> on the first <paramref name="samples"/> series of
    /// <paramref name="data"/> (the loop is slow; the batched path's time grows about linearly with N). No bootstrap, no random row.
    /// <paramref name="progress"/> hears each method's row as soon as it is measured.
    /// </summary>
    public static EvaluationBenchmarkResult Run(ILatentEncoder model, TimeSeriesDataset data, EvaluationOptions options, int samples,
        IProgress<EvaluationBenchmarkRow>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (samples < 2) throw new ArgumentOutOfRangeException(nameof(samples), samples, "The benchmark needs at least 2 samples.");
        options = options with { IncludeRandom = false, Resamples = 0, SubsetSamples = null };
        using var subset = Subset(data, Math.Min(samples, data.N));
        var methods = options.Methods.Count == 0 ? MethodRegistry.Names : options.Methods;
        var rows = new List<EvaluationBenchmarkRow>();
        foreach (string name in methods)
        {
            var single = options with { Methods = [name] };
            var clock = Stopwatch.StartNew();
            var batched = LatentEvaluation.Run(model, subset, single).Rows[0];
            double batchedSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var (loop, loopScores) = PerSampleLoop(model, subset, single, MethodRegistry.Get(name));
            double loopSeconds = clock.Elapsed.TotalSeconds;
            var worst = loop.MaxBy(m => Math.Abs(m.Value - batched[m.Key]));
            (double scoreDifference, int reordered) = CompareScores(model, subset, single, MethodRegistry.Get(name), loopScores);
            loopScores.Dispose();
            rows.Add(new EvaluationBenchmarkRow(name, batchedSeconds, loopSeconds, Math.Abs(worst.Value - batched[worst.Key]), worst.Key, scoreDifference, reordered));
            progress?.Report(rows[^1]);
        }
        return new EvaluationBenchmarkResult(subset.Info.Name, subset.N, (options.Device ?? model.ParameterDevice()).ToString(), rows);
    }

    /// <summary>
    /// The batched path's attribution scores of every sample against <paramref name="loopScores"/> (N, P), the per-sample loop's:
    /// their largest difference over the largest |score|, and how many samples' stable removal orders differ. Untimed.
    /// </summary>
    private static (double ScoreDifference, int ReorderedSamples) CompareScores(ILatentEncoder model, TimeSeriesDataset data, EvaluationOptions options,
        SaliencyMethod method, Tensor loopScores)
    {
        using var scope = NewDisposeScope();
        var inputs = LatentEvaluation.Prepare(model, data, options);
        var batched = LatentEvaluation.SignFreeScores(method.Create(model, options.Settings).Attribute(inputs.X, inputs.Target, inputs.BatchSize).Values.squeeze(-1), method)
            .to(ScalarType.Float64).cpu();
        var loop = loopScores.to(ScalarType.Float64).cpu();
        double difference = (batched - loop).abs().max().item<double>() / Math.Max(loop.abs().max().item<double>(), double.Epsilon);
        var batchedOrder = (-batched).sort(1, stable: true).Indices;
        var loopOrder = (-loop).sort(1, stable: true).Indices;
        int reordered = (int)batchedOrder.ne(loopOrder).any(1).sum().item<long>();
        return (difference, reordered);
    }

    /// <summary>The four metrics of <paramref name="method"/>, one sample, one fraction and one perturbation at a time, and the scores it ranked (N, P).</summary>
    private static (Dictionary<string, double> Metrics, Tensor Scores) PerSampleLoop(ILatentEncoder model, TimeSeriesDataset data, EvaluationOptions options,
        SaliencyMethod method)
    {
        using var scope = NewDisposeScope();
        var inputs = LatentEvaluation.Prepare(model, data, options);
        var explainer = method.Create(model, options.Settings);
        Tensor Explain(Tensor one) => explainer.Attribute(one, inputs.Target, inputs.BatchSize).Values.squeeze(-1);
        var v = inputs.Direction.to(ScalarType.Float32).reshape(-1, 1);
        double Target(Tensor one)
        {
            using var noGrad = no_grad();
            return model.PosteriorMean(one).to(ScalarType.Float32).matmul(v).item<float>();
        }

        int n = data.N;
        long c = data.C, l = data.L;
        var deletion = new double[n, options.FractionSteps + 1];
        var insertion = new double[n, options.FractionSteps + 1];
        double[] fractions = [];
        var scoreRows = new List<Tensor>();
        for (int i = 0; i < n; i++)
        {
            using var sampleScope = NewDisposeScope();
            var xi = inputs.X.narrow(0, i, 1);
            var scores = LatentEvaluation.SignFreeScores(Explain(xi), method);
            scoreRows.Add(scores.MoveToOuterDisposeScope());
            var order = (-scores.to(ScalarType.Float64)).sort(1, stable: true).Indices[0].data<long>().ToArray();
            int positions = order.Length;
            var counts = AttributionMetrics.RemovalCounts(positions, options.FractionSteps);
            fractions = counts.Select(k => (double)k / positions).ToArray();
            double reference = Target(xi);
            var full = inputs.FullyImputed.narrow(0, i, 1);
            for (int j = 0; j < counts.Length; j++)
                foreach (var removal in new[] { RemovalOrder.Deletion, RemovalOrder.Insertion })
                {
                    var keep = new bool[positions];
                    for (int r = 0; r < positions; r++) keep[order[r]] = removal == RemovalOrder.Deletion ? r >= counts[j] : r < counts[j];
                    Tensor perturbed;
                    if (!keep.Any(kept => kept)) perturbed = full;                          // nothing kept: the fully imputed series, as the batched path
                    else if (method.Axis == AttributionAxis.Time)
                        perturbed = options.Fill.Apply(xi, tensor(keep).view(1, positions), inputs.Noise?.narrow(0, i, 1).select(1, j));
                    else
                    {
                        var mask = tensor(keep, device: xi.device).view(1, 1, positions);
                        perturbed = fft.irfft(where(mask, fft.rfft(xi, dim: 2), fft.rfft(full, dim: 2)), n: l, dim: 2).to(xi.dtype);
                    }
                    double displacement = keep.All(k => k) ? 0 : Math.Abs(Target(perturbed) - reference);
                    (removal == RemovalOrder.Deletion ? deletion : insertion)[i, j] = displacement;
                }
        }

        // Max-sensitivity with the batched path's perturbations: the same generator, drawn for all samples at once, then used one by one.
        var sx = inputs.SubsetX;
        int p = options.SensitivityPerturbations;
        using var generator = new Generator((ulong)(options.Seed + 2));
        var delta = ((rand(sx.repeat_interleave(p, 0).shape, dtype: ScalarType.Float64, generator: generator) * 2 - 1) * options.SensitivityRadius).to(sx.dtype, sx.device);
        var sensitivity = new double[sx.shape[0]];
        for (int i = 0; i < sensitivity.Length; i++)
        {
            using var sampleScope = NewDisposeScope();
            var original = Explain(sx.narrow(0, i, 1)).to(ScalarType.Float64).reshape(-1);
            double norm = original.norm().item<double>();
            double largest = 0;
            for (int k = 0; k < p; k++)
            {
                var changed = Explain(sx.narrow(0, i, 1) + delta.narrow(0, i * p + k, 1)).to(ScalarType.Float64).reshape(-1);
                largest = Math.Max(largest, (changed - original).norm().item<double>() / (norm == 0 ? 1 : norm));
            }
            sensitivity[i] = largest;
        }

        var distance = new double[n];
        using (LayerInitialisation.RandomiseAll(model.Root, options.Seed + 3))
            for (int i = 0; i < n; i++)
            {
                using var sampleScope = NewDisposeScope();
                var randomised = LatentEvaluation.SignFreeScores(Explain(inputs.X.narrow(0, i, 1)), method);
                distance[i] = 1 - AttributionMetrics.RowSpearman(scoreRows[i], randomised).item<double>();
            }

        var ones = Enumerable.Repeat(1.0, n).ToArray();
        var metrics = new Dictionary<string, double>
        {
            [EvaluationMetrics.DeletionAuc] = AttributionMetrics.Trapezoid(fractions, AttributionMetrics.NormalisedCurve(deletion, inputs.FullDisplacement, ones)),
            [EvaluationMetrics.InsertionAuc] = AttributionMetrics.Trapezoid(fractions, AttributionMetrics.NormalisedCurve(insertion, inputs.FullDisplacement, ones)),
            [EvaluationMetrics.MaxSensitivity] = Bootstrap.WeightedMean(sensitivity, Enumerable.Repeat(1.0, sensitivity.Length).ToArray()),
            [EvaluationMetrics.RandomisationDistance] = Bootstrap.WeightedMean(distance, ones),
        };
        return (metrics, cat(scoreRows, 0).MoveToOuterDisposeScope());
    }

    private static TimeSeriesDataset Subset(TimeSeriesDataset data, int count)
    {
        var values = new float[count, data.L, data.C];
        using (var scope = NewDisposeScope())
        {
            var flat = data.X.narrow(0, 0, count).permute(0, 2, 1).contiguous().data<float>().ToArray();
            Buffer.BlockCopy(flat, 0, values, 0, flat.Length * sizeof(float));
        }
        return TimeSeriesDataset.FromArrays(values, data.Labels.Take(count).ToArray(), new DatasetDescription { Name = data.Info.Name });
    }
}
