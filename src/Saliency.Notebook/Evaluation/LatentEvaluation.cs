using System.Diagnostics;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Evaluation;

/// <summary>Where an evaluation is: the method (row) it works on and the stage within it.</summary>
/// <param name="Method">The row's method (or <c>random</c>).</param>
/// <param name="Row">1-based row.</param>
/// <param name="Rows">Rows in all.</param>
/// <param name="Stage">attributions, deletion, insertion, max-sensitivity, randomisation, white-box, or done.</param>
/// <param name="Elapsed">Time since the evaluation started.</param>
public sealed record EvaluationProgress(string Method, int Row, int Rows, string Stage, TimeSpan Elapsed);

/// <summary>
/// Evaluates attribution methods of a latent target — the first such table for autoencoders, whose explanations no toolkit scores
/// (Captum, Quantus, tint and TSInterpret score class logits). For each method of <see cref="MethodRegistry"/> and a <c>random</c>
/// row, towards one target (PC1 of the latent PCA by default): the removal curves' areas (<c>deletion_auc</c>: higher is better,
/// <c>insertion_auc</c>: lower is better), <c>max_sensitivity</c> (lower is better) and <c>randomisation_distance</c> (higher is better),
/// and, where the truth is known (<see cref="PlantedEvaluation"/>), tint's <c>aup</c>, <c>aur</c> and <c>auprc</c>; each with a
/// bootstrap spread over the samples. Attributions come from each explainer's batched <c>Attribute</c>; the removal curves send all
/// fractions × samples through the model in batches; every random draw derives from <see cref="EvaluationOptions.Seed"/>, and
/// the imputation noise is one draw shared by all methods (common random numbers, so method differences are not noise differences).
/// </summary>
public static class LatentEvaluation
{
    /// <summary>The name of the chance row.</summary>
    public const string RandomMethod = "random";

    /// <summary>
    /// Evaluates the methods of <paramref name="options"/> on <paramref name="model"/> over every series of <paramref name="data"/>.
    /// <paramref name="truth"/> (N, L), when known, adds the white-box metrics (time-axis methods only). The model is restored after
    /// its randomisation, also on failure.
    /// </summary>
    public static EvaluationResult Run(ILatentEncoder model, TimeSeriesDataset data, EvaluationOptions? options = null,
        IProgress<EvaluationProgress>? progress = null, bool[,]? truth = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new EvaluationOptions();
        options.Validate();
        if (data.C != model.Channels || data.L != model.Length)
            throw new ArgumentException($"The model takes {model.Channels} channel(s) × length {model.Length}; dataset '{data.Info.Name}' has {data.C} × {data.L}.", nameof(data));
        if (data.N < 2) throw new ArgumentException($"Dataset '{data.Info.Name}' has {data.N} series; the evaluation needs at least 2.", nameof(data));
        if (truth is not null && (truth.GetLength(0) != data.N || truth.GetLength(1) != data.L))
            throw new ArgumentException($"The truth must be (N, L) = ({data.N}, {data.L}); got ({truth.GetLength(0)}, {truth.GetLength(1)}).", nameof(truth));

        var clock = Stopwatch.StartNew();
        var methods = (options.Methods.Count == 0 ? MethodRegistry.All : options.Methods.Select(MethodRegistry.Get).Distinct()).ToList();
        var rowNames = methods.Select(m => m.Name).Concat(options.IncludeRandom ? [RandomMethod] : []).ToList();
        long seed = options.Seed;

        using var scope = NewDisposeScope();
        var inputs = Prepare(model, data, options);
        var (x, target, direction, noise, fullyImputed, fullDisplacement, subsetX) =
            (inputs.X, inputs.Target, inputs.Direction, inputs.Noise, inputs.FullyImputed, inputs.FullDisplacement, inputs.SubsetX);
        var (device, batchSize, targetName) = (inputs.Device, inputs.BatchSize, inputs.TargetName);
        long n = data.N, l = data.L;

        var rows = new List<EvaluationRow>();
        var curves = new List<RemovalCurves>();
        for (int r = 0; r < rowNames.Count; r++)
        {
            string name = rowNames[r];
            void Report(string stage) => progress?.Report(new EvaluationProgress(name, r + 1, rowNames.Count, stage, clock.Elapsed));
            var rowClock = Stopwatch.StartNew();
            using var rowScope = NewDisposeScope();
            var method = name == RandomMethod ? null : methods[r];
            var axis = method?.Axis ?? AttributionAxis.Time;
            Func<Tensor, Tensor> explain;
            if (method is null)
            {
                var randomGenerator = new Generator((ulong)(seed + 1));
                explain = xs => rand(new[] { xs.shape[0], l }, dtype: ScalarType.Float64, generator: randomGenerator).to(device);
            }
            else
            {
                var explainer = method.Create(model, options.Settings);
                explain = xs => explainer.Attribute(xs, target, batchSize).Values.squeeze(-1);
            }

            Report("attributions");
            var scores = SignFreeScores(explain(x), method);
            var ranks = AttributionMetrics.SaliencyRanks(scores);
            int positions = (int)ranks.shape[1];
            var counts = AttributionMetrics.RemovalCounts(positions, options.FractionSteps);
            var fractions = counts.Select(k => (double)k / positions).ToArray();

            Report("deletion");
            var deletion = ToArray(AttributionMetrics.LatentDisplacements(model, x, direction, ranks, counts, RemovalOrder.Deletion, axis,
                options.Fill, noise, fullyImputed, batchSize));
            Report("insertion");
            var insertion = ToArray(AttributionMetrics.LatentDisplacements(model, x, direction, ranks, counts, RemovalOrder.Insertion, axis,
                options.Fill, noise, fullyImputed, batchSize));

            Report("max-sensitivity");
            using var sensitivityGenerator = new Generator((ulong)(seed + 2));
            var sensitivity = AttributionMetrics.MaxSensitivity(explain, subsetX, options.SensitivityRadius, options.SensitivityPerturbations,
                sensitivityGenerator).data<double>().ToArray();

            Report("randomisation");
            Tensor randomisedScores;
            using (LayerInitialisation.RandomiseAll(model.Root, seed + 3)) randomisedScores = SignFreeScores(explain(subsetX), method);
            var subsetScores = inputs.SubsetRows is { } chosen ? scores.index_select(0, chosen.to(scores.device)) : scores;
            var distance = (1 - AttributionMetrics.RowSpearman(subsetScores, randomisedScores)).data<double>().ToArray();

            int bootstrapSeed = (int)((seed + 4) & int.MaxValue);
            var metrics = new Dictionary<string, MetricEstimate?>
            {
                [EvaluationMetrics.DeletionAuc] = Bootstrap.Estimate((int)n, w => AttributionMetrics.Trapezoid(fractions, AttributionMetrics.NormalisedCurve(deletion, fullDisplacement, w)), options.Resamples, bootstrapSeed),
                [EvaluationMetrics.InsertionAuc] = Bootstrap.Estimate((int)n, w => AttributionMetrics.Trapezoid(fractions, AttributionMetrics.NormalisedCurve(insertion, fullDisplacement, w)), options.Resamples, bootstrapSeed),
                [EvaluationMetrics.MaxSensitivity] = Bootstrap.Estimate(sensitivity.Length, w => Bootstrap.WeightedMean(sensitivity, w), options.Resamples, bootstrapSeed),
                [EvaluationMetrics.RandomisationDistance] = Bootstrap.Estimate(distance.Length, w => Bootstrap.WeightedMean(distance, w), options.Resamples, bootstrapSeed),
            };
            if (truth is not null)
            {
                Report("white-box");
                if (axis == AttributionAxis.Time)
                {
                    var curve = new WhiteBoxCurve(ToArray(AttributionMetrics.TintNormalise(scores)), truth);
                    var whiteBox = Bootstrap.EstimateMany((int)n, w => curve.Evaluate(w) is var s ? [s.Aup, s.Aur, s.Auprc] : [], options.Resamples, bootstrapSeed);
                    (metrics[EvaluationMetrics.Aup], metrics[EvaluationMetrics.Aur], metrics[EvaluationMetrics.Auprc]) = (whiteBox[0], whiteBox[1], whiteBox[2]);
                }
                else
                {
                    metrics[EvaluationMetrics.Aup] = metrics[EvaluationMetrics.Aur] = metrics[EvaluationMetrics.Auprc] = null;   // a frequency map has no time window
                }
            }
            var ones = Enumerable.Repeat(1.0, (int)n).ToArray();
            curves.Add(new RemovalCurves(name, axis, fractions, AttributionMetrics.NormalisedCurve(deletion, fullDisplacement, ones),
                AttributionMetrics.NormalisedCurve(insertion, fullDisplacement, ones)));
            rows.Add(new EvaluationRow(name, method?.Describe(options.Settings) ?? "i.i.d. uniform scores per time step, redrawn at every call", metrics, rowClock.Elapsed.TotalSeconds));
            Report("done");
        }

        return new EvaluationResult(data.Info.Name, (int)n, targetName, options, device.ToString(), batchSize, rows, curves,
            (int)subsetX.shape[0], clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// What every row shares, drawn once from the seed: the data on the device, the target and its (1, D) direction, the imputation
    /// noise (N, K + 1, C, L) (null for a constant fill), the fully imputed series and their displacement (N), and the subset of
    /// max-sensitivity and randomisation (its rows, null for all, and its series). Its tensors belong to the caller's dispose scope.
    /// </summary>
    internal static EvaluationInputs Prepare(ILatentEncoder model, TimeSeriesDataset data, EvaluationOptions options)
    {
        var device = options.Device ?? model.ParameterDevice();
        int batchSize = options.BatchSize ?? LatentExplainer.DefaultBatchSizeFor(device);
        long seed = options.Seed;
        var x = data.X.to(device);
        long n = data.N, c = data.C, l = data.L;
        var (target, targetName, direction) = ResolveTarget(model, x, options.Target, device, batchSize);

        // One draw of imputation noise for every method: (N, K + 1, C, L) for the curves, (N, C, L) for the fully imputed series.
        using var noiseGenerator = new Generator((ulong)seed);
        var noise = options.Fill.Kind == FillKind.NoisyLinear
            ? randn(new[] { n, options.FractionSteps + 1, c, l }, generator: noiseGenerator).to(device) : null;
        var fullNoise = randn(new[] { n, c, l }, generator: noiseGenerator).to(device);
        var fullyImputed = options.Fill.Apply(x, zeros(n, l, dtype: ScalarType.Bool, device: device), fullNoise);
        double[] fullDisplacement;
        using (no_grad())
        {
            var v = direction.to(ScalarType.Float32, device).reshape(-1, 1);
            fullDisplacement = (model.PosteriorMeans(fullyImputed, device, batchSize).to(device).matmul(v)
                                - model.PosteriorMeans(x, device, batchSize).to(device).matmul(v)).abs().to(ScalarType.Float64).cpu().data<double>().ToArray();
        }
        var subsetRows = SubsetRows(n, options.SubsetSamples, seed);
        var chosenRows = subsetRows is null ? null : tensor(subsetRows, device: device);
        var subsetX = chosenRows is null ? x : x.index_select(0, chosenRows);
        return new EvaluationInputs(x, device, batchSize, target, targetName, direction, noise, fullyImputed, fullDisplacement, chosenRows, subsetX);
    }

    /// <summary>
    /// The target as an explainer target, its name and its (1, D) direction: <c>pcK</c> fits the latent PCA to the posterior means of x,
    /// <c>dim:K</c> checks K against the model.
    /// </summary>
    private static (LatentTarget Target, string Name, Tensor Direction) ResolveTarget(ILatentEncoder model, Tensor x, string spec, Device device, int batchSize)
    {
        var (component, dimension) = EvaluationOptions.ParseTarget(spec);
        if (dimension is int k)
        {
            if (k >= model.LatentDim)
                throw new ArgumentException($"Target dim:{k} is out of range: the model has {model.LatentDim} latent dimensions (dim:0..dim:{model.LatentDim - 1}).");
            var target = LatentTarget.Dimension(k);
            return (target, $"z{k}", target.WeightMatrix(model.LatentDim, device, ScalarType.Float32));
        }
        int pc = component!.Value;
        if (pc > Math.Min(model.LatentDim, x.shape[0]))
            throw new ArgumentException($"Target pc{pc} is out of range: the latent PCA has at most {Math.Min(model.LatentDim, x.shape[0])} components here.");
        using var latents = model.PosteriorMeans(x, device, batchSize);
        var pca = LatentPca.Fit(latents, pc);
        var row = new double[1, model.LatentDim];
        for (int j = 0; j < model.LatentDim; j++) row[0, j] = pca.Components[pc - 1, j];
        var direction = LatentTarget.Directions(row, [$"PC{pc}"]);
        return (direction, $"PC{pc}", direction.WeightMatrix(model.LatentDim, device, ScalarType.Float32));
    }

    /// <summary>
    /// The sign-free saliency per position (N, P) of a method's raw attribution towards one target: |map| for the per-latent maps
    /// (GradCAM's ReLU/abs mode already applied), Σ_c |attribution| for input attributions, the scores themselves for <c>random</c>.
    /// </summary>
    internal static Tensor SignFreeScores(Tensor raw, SaliencyMethod? method) =>
        method is null ? raw : method.Kind == AttributionKind.PerLatent ? raw.abs() : raw.abs().sum(2);

    /// <summary>A seeded sorted choice of <paramref name="count"/> of n samples, or null for all.</summary>
    private static long[]? SubsetRows(long n, int? count, long seed)
    {
        if (count is not int k || k >= n) return null;
        using var generator = new Generator((ulong)(seed + 5));
        using var chosen = randperm(n, generator: generator).narrow(0, 0, k).sort().Values;
        return chosen.data<long>().ToArray();
    }

    private static double[,] ToArray(Tensor values)
    {
        using var host = values.to(ScalarType.Float64).cpu().contiguous();
        int rows = (int)host.shape[0], columns = (int)host.shape[1];
        var flat = host.data<double>().ToArray();
        var result = new double[rows, columns];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(double));
        return result;
    }
}

/// <summary>What <see cref="LatentEvaluation.Prepare"/> draws once for all rows (and the benchmark's per-sample loop reuses).</summary>
internal sealed record EvaluationInputs(Tensor X, Device Device, int BatchSize, LatentTarget Target, string TargetName, Tensor Direction, Tensor? Noise,
    Tensor FullyImputed, double[] FullDisplacement, Tensor? SubsetRows, Tensor SubsetX);
