using System.CommandLine;
using System.Globalization;
using Saliency.Notebook.Evaluation;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.IO;
using Saliency.Notebook.Models;
using Saliency.Notebook.Native;
using Saliency.Notebook.Training;

namespace Saliency.Cli.Commands;

/// <summary>
/// <c>saliency evaluate</c>: the evaluation table of every attribution method towards a latent target (deletion and insertion AUC,
/// max-sensitivity, randomisation distance, and on <c>--planted</c> data tint's aup/aur/auprc), written as evaluation.json and
/// printed as a table.
/// </summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var defaults = new EvaluationOptions();
        var checkpoint = new Option<string?>("--checkpoint") { Description = "a kit model folder or an original Lightning .ckpt (not with --planted)" };
        var planted = new Option<bool>("--planted") { Description = "generate seeded data whose classes differ only in a known window, train a small model on it here, and add aup, aur, auprc against the window" };
        var output = new Option<string>("--out") { Description = "output folder for evaluation.json", Required = true };
        var method = new Option<string[]>("--method") { Description = $"method(s): {string.Join(", ", MethodRegistry.Names)} (default: all); a random row is always added", AllowMultipleArgumentsPerToken = true };
        var target = new Option<string>("--target") { Description = "pc1 (the first principal direction of the latent means; pcK likewise) or dim:K (latent dimension K, 0-based)", DefaultValueFactory = _ => defaults.Target };
        var fill = new Option<string>("--fill") { Description = "how removed steps are filled: road (ROAD's noisy linear imputation) or a number (a constant; the paper's masking uses -1)", DefaultValueFactory = _ => "road" };
        var noise = new Option<double>("--imputation-noise") { Description = "standard deviation of ROAD's imputation noise, in the data's units", DefaultValueFactory = _ => 0.01 };
        var steps = new Option<int>("--fraction-steps") { Description = "points of the removal curves: fractions 0, 1/S, ..., 1", DefaultValueFactory = _ => defaults.FractionSteps };
        var radius = new Option<double>("--sensitivity-radius") { Description = "max-sensitivity: input noise uniform in ±radius, in the data's units", DefaultValueFactory = _ => defaults.SensitivityRadius };
        var perturbations = new Option<int>("--sensitivity-perturbations") { Description = "max-sensitivity: perturbations per sample", DefaultValueFactory = _ => defaults.SensitivityPerturbations };
        var subsetSamples = new Option<int?>("--subset-samples") { Description = $"max-sensitivity and the randomisation distance on a seeded subset of this many samples (default: {EvaluationOptions.DefaultSubsetSamples}; 0 = all); the curves always use all" };
        var resamples = new Option<int>("--resamples") { Description = "bootstrap resamples of the samples for each number's spread", DefaultValueFactory = _ => defaults.Resamples };
        var seed = new Option<long>("--seed") { Description = "the seed every random draw derives from", DefaultValueFactory = _ => defaults.Seed };
        var epochs = new Option<int>("--epochs") { Description = "--planted: epochs of the planted model's training", DefaultValueFactory = _ => PlantedEvaluation.DefaultEpochs };
        var batchSize = new Option<int?>("--batch-size") { Description = "rows per model pass (default: 1024 on a CPU, 16384 on CUDA)" };
        var device = new Option<string?>("--device") { Description = "auto, cpu, cuda or cuda:N" };
        var command = new Command("evaluate", "Evaluates the attribution methods towards a latent target (deletion/insertion AUC, max-sensitivity, randomisation distance; aup/aur/auprc on --planted data); writes evaluation.json.")
        {
            checkpoint, planted, output, method, target, fill, noise, steps, radius, perturbations, subsetSamples, resamples, seed, epochs, batchSize, device,
        };
        var source = DataOptions.AddTo(command);
        command.SetAction(parse => CommandRunner.Run("evaluate", () =>
        {
            bool isPlanted = parse.GetValue(planted);
            string outputDirectory = parse.GetValue(output)!;
            if (File.Exists(outputDirectory)) throw new IOException($"--out {outputDirectory} is a file; give a folder for evaluation.json.");
            if (isPlanted && parse.GetValue(checkpoint) is not null) throw new ArgumentException("--planted trains its own model: give no --checkpoint.");
            if (isPlanted && source.Given(parse).Count > 0) throw new ArgumentException($"--planted generates its data: {string.Join(", ", source.Given(parse))} do not apply.");
            if (!isPlanted && parse.GetValue(checkpoint) is null) throw new ArgumentException("give --checkpoint FILE with --dataset NAME or --data FILE, or --planted.");
            if (!isPlanted && parse.GetResult(epochs) is { Implicit: false }) throw new ArgumentException("--epochs applies to --planted only.");
            string fillText = parse.GetValue(fill)!;
            RemovalFill removalFill = fillText.Equals("road", StringComparison.OrdinalIgnoreCase)
                ? RemovalFill.NoisyLinear(parse.GetValue(noise))
                : double.TryParse(fillText, NumberStyles.Float, CultureInfo.InvariantCulture, out double constant)
                    ? RemovalFill.Constant(constant)
                    : throw new ArgumentException($"--fill must be road or a number (e.g. -1); got '{fillText}'.");
            if (removalFill.Kind == FillKind.Constant && parse.GetResult(noise) is { Implicit: false })
                throw new ArgumentException("--imputation-noise applies to --fill road only.");
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            int? subset = parse.GetValue(subsetSamples) ?? EvaluationOptions.DefaultSubsetSamples;
            var options = new EvaluationOptions
            {
                Methods = parse.GetValue(method) ?? [],
                Target = parse.GetValue(target)!,
                Fill = removalFill,
                FractionSteps = parse.GetValue(steps),
                SensitivityRadius = parse.GetValue(radius),
                SensitivityPerturbations = parse.GetValue(perturbations),
                SubsetSamples = subset == 0 ? null : subset,
                Resamples = parse.GetValue(resamples),
                Seed = parse.GetValue(seed),
                BatchSize = parse.GetValue(batchSize),
                Device = dev,
            };
            options.Validate();
            var progress = new SynchronousProgress<EvaluationProgress>(p =>
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  [{p.Row}/{p.Rows}] {p.Method,-10} {p.Stage,-15} at {p.Elapsed.TotalSeconds:F1} s"));
            });
            EvaluationResult result;
            if (isPlanted)
            {
                int epochCount = parse.GetValue(epochs);
                Console.Error.WriteLine($"planted data: training a small CVAE for {epochCount} epochs ...");
                var trainingProgress = new SynchronousProgress<TrainingProgress>(p =>
                {
                    if (p.Epoch % 10 == 0 || p.Epoch == p.Epochs)
                        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  epoch {p.Epoch}/{p.Epochs}  validation log-MSE {p.ValidationLogMse:F3}  {p.Elapsed.TotalSeconds:F1} s"));
                });
                result = PlantedEvaluation.Run(options: options, epochs: epochCount, trainingSeed: parse.GetValue(seed), trainingProgress: trainingProgress, progress: progress);
            }
            else
            {
                using var ds = source.Load(parse);
                using var loaded = ModelStore.Load(parse.GetValue(checkpoint)!, ds.C, ds.L, ds.Info.Name, dev);
                Console.Error.WriteLine($"evaluating {(options.Methods.Count == 0 ? "all methods" : string.Join(", ", options.Methods))} and random on {ds.Info.Name} ({ds.N} series) towards {options.Target}, {dev} ...");
                result = LatentEvaluation.Run(loaded, ds, options, progress);
            }
            string path = result.Save(outputDirectory);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Dataset}: {result.Samples} series, target {result.Target}, {result.Options.Fill}, bootstrap of {result.Options.Resamples} (± = its std), {result.Seconds:F1} s"));
            Console.Write(result.ToTable());
            Console.WriteLine($"wrote {path}");
            return 0;
        }));
        return command;
    }
}
