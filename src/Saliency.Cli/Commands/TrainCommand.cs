using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.IO;
using Saliency.Notebook.Models;
using Saliency.Notebook.Native;
using Saliency.Notebook.Training;
using Spectre.Console;

namespace Saliency.Cli.Commands;

/// <summary><c>saliency train</c>: train the paper's CVAE on a dataset and write a kit model (model.pt + model.json) with a resumable checkpoint.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var epochs = new Option<int?>("--epochs") { Description = "epochs in total (default 1000)" };
        var output = new Option<string?>("--out") { Description = "model folder (default: <repo root>/out/models/<dataset>; the committed models/ change only when named here)" };
        var device = new Option<string?>("--device") { Description = "auto, cpu, cuda or cuda:N" };
        var seed = new Option<long?>("--seed") { Description = "seed of initialisation, split, shuffling, dropout and samples (default 42)" };
        var latentDim = new Option<int?>("--latent-dim") { Description = "latent size D (default: the dataset's preset)" };
        var hiddenDims = new Option<string?>("--h-dims") { Description = "conv widths, e.g. 16,16,16" };
        var kernel = new Option<int?>("--kernel") { Description = "odd conv kernel size (default 17)" };
        var dropout = new Option<double?>("--dropout") { Description = "encoder dropout" };
        var kldCoef = new Option<double?>("--kld-coef") { Description = "weight of the KL term" };
        var prior = new Option<string?>("--prior") { Description = "standard or vampprior" };
        var components = new Option<int?>("--components") { Description = "VampPrior components K" };
        var batchSize = new Option<int?>("--batch-size") { Description = "batch size (default 500)" };
        var learningRate = new Option<double?>("--lr") { Description = "Adam learning rate (default 1e-3)" };
        var checkpointEvery = new Option<int?>("--checkpoint-every") { Description = "write the resumable checkpoint every N epochs (default 100)" };
        var resume = new Option<bool>("--resume") { Description = "continue from <out>/training.ckpt (an error when it is missing or belongs to other data, architecture or hyperparameters)" };
        var overwrite = new Option<bool>("--overwrite") { Description = "start afresh although <out> holds an earlier run's training.ckpt, replacing it and the model (without it or --resume that is an error)" };
        var timeLimit = new Option<double?>("--time-limit") { Description = "stop after this many minutes (after the running epoch) and save the best model so far; Ctrl+C does the same" };
        var command = new Command("train", "Train the CVAE on a dataset; writes <out>/model.pt, <out>/model.json and <out>/training.ckpt.")
        {
            epochs, output, device, seed, latentDim, hiddenDims, kernel, dropout, kldCoef, prior, components, batchSize, learningRate, checkpointEvery, resume, overwrite, timeLimit,
        };
        var source = DataOptions.AddTo(command);
        command.SetAction(parse => CommandRunner.Run("train", () =>
        {
            if (parse.GetValue(resume) && parse.GetValue(overwrite))
                throw new ArgumentException("--resume and --overwrite exclude each other: one continues <out>/training.ckpt, the other replaces it.");
            using var set = source.Load(parse);
            var info = set.Info;
            var preset = TrainingPresets.For(info, set.C, set.L);
            string outDirectory = parse.GetValue(output) ?? DefaultOutput(info.Name);
            var config = preset.Config with
            {
                LatentDim = parse.GetValue(latentDim) ?? preset.Config.LatentDim,
                HiddenDims = parse.GetValue(hiddenDims) is { } dims ? ParseWidths(dims) : preset.Config.HiddenDims,
                KernelSize = parse.GetValue(kernel) ?? preset.Config.KernelSize,
                Dropout = parse.GetValue(dropout) ?? preset.Config.Dropout,
                Prior = parse.GetValue(prior) switch
                {
                    null => preset.Config.Prior,
                    "standard" => LatentPrior.Standard,
                    "vampprior" => LatentPrior.VampPrior,
                    var p => throw new ArgumentException($"--prior must be standard or vampprior, not '{p}'."),
                },
                Components = parse.GetValue(components) ?? preset.Config.Components,
            };
            var options = preset.Options with
            {
                Epochs = parse.GetValue(epochs) ?? preset.Options.Epochs,
                Seed = parse.GetValue(seed) ?? preset.Options.Seed,
                KldCoef = parse.GetValue(kldCoef) ?? preset.Options.KldCoef,
                BatchSize = parse.GetValue(batchSize) ?? preset.Options.BatchSize,
                LearningRate = parse.GetValue(learningRate) ?? preset.Options.LearningRate,
                CheckpointEvery = parse.GetValue(checkpointEvery) ?? preset.Options.CheckpointEvery,
                CheckpointPath = Path.Combine(outDirectory, "training.ckpt"),
                Resume = parse.GetValue(resume),
                Overwrite = parse.GetValue(overwrite),
            };
            double? minutes = parse.GetValue(timeLimit);
            if (minutes is { } limit && !(limit is > 0 and <= MaxTimeLimitMinutes))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--time-limit must be a number of minutes in (0, {MaxTimeLimitMinutes}], got {limit}."));
            var torchDevice = TorchRuntime.ResolveDevice(parse.GetValue(device));
            var trainer = new Trainer(config, options, torchDevice);   // validates the architecture and the options
            CheckOutputFolder(outDirectory);
            try
            {
                trainer.CheckCheckpoint();
            }
            catch (TrainingCheckpointExistsException e)
            {
                throw new IOException($"--out {outDirectory} already holds {e.CheckpointPath}, the resumable checkpoint of an earlier run: " +
                                      "pass --resume to continue it, or --overwrite to start over and replace it and the model there.", e);
            }
            AnsiConsole.MarkupLine($"Training [bold]{info.Name}[/] {set.X.shape[0]}×{config.Channels}×{config.Length} → D={config.LatentDim}, {config.Prior}, {options.Epochs} epochs on {torchDevice}");

            using var stop = new CancellationTokenSource();
            if (minutes is { } timeLimitMinutes) stop.CancelAfter(TimeSpan.FromMinutes(timeLimitMinutes));
            bool interrupted = false;
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; interrupted = true; stop.Cancel(); };
            Console.CancelKeyPress += onCancel;
            TrainingResult result = null!;
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("epochs", maxValue: options.Epochs);
                    var progress = new SynchronousProgress<TrainingProgress>(p =>
                    {
                        task.Value = p.Epoch;
                        task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch} loss {p.TrainLoss:F1} val log-MSE {p.ValidationLogMse:F3} (best {p.BestValidationLogMse:F3} @ {p.BestEpoch})");
                    });
                    result = trainer.Train(set.X, progress, stop.Token);
                });
            Console.CancelKeyPress -= onCancel;
            using var model = result.Model;
            var card = new ModelCard
            {
                Config = config,
                Dataset = info.Name,
                DatasetSha256 = Sha256(source.ValuesFile(parse, set)),
                Training = options.Hyperparameters(),
                Epochs = result.EpochsRun,
                EpochsRequested = options.Epochs,
                BestEpoch = result.BestEpoch,
                BestValidationLogMse = result.BestValidationLogMse,
                TestLogMse = result.TestLogMse,
                TrainingSeconds = result.Elapsed.TotalSeconds,
                Device = torchDevice.ToString(),
                Notes = preset.Notes,
            };
            ModelStore.Save(outDirectory, model, card);
            if (result.ResumedAfterEpoch > 0)
                Console.WriteLine($"resumed after epoch {result.ResumedAfterEpoch}: {result.EpochsRun - result.ResumedAfterEpoch} epoch(s) run now");
            if (result.EpochsRun < options.Epochs)
                Console.WriteLine($"stopped after {result.EpochsRun} of {options.Epochs} epochs ({(interrupted ? "interrupted" : "time limit")}); continue with --resume");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"best validation log-MSE {result.BestValidationLogMse:F4} at epoch {result.BestEpoch}; test log-MSE {result.TestLogMse:F4}; {result.Elapsed.TotalSeconds:F0} s → {outDirectory}"));
        }));
        return command;
    }

    /// <summary>
    /// Where a model goes when --out is not given: <c>out/models/&lt;dataset&gt;</c> under the repository root (git-ignored), so that
    /// the committed <c>models/</c> change only when a command names them.
    /// </summary>
    public static string DefaultOutput(string dataset) =>
        Path.Combine(DataPaths.FindRepoRoot(Directory.GetCurrentDirectory()) ?? Directory.GetCurrentDirectory(), "out", "models", dataset);

    /// <summary>
    /// Fails before any training when <paramref name="folder"/> cannot take the model: it is a file, lies under one, or cannot be
    /// written (probed with a temporary file in it or, while it does not exist yet, in its nearest existing parent).
    /// </summary>
    private static void CheckOutputFolder(string folder)
    {
        if (File.Exists(folder)) throw new IOException($"--out {folder} is a file, not a folder.");
        string existing = Path.GetFullPath(folder);
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing)) throw new IOException($"--out {folder} cannot be a folder: {existing} is a file, not a folder.");
            existing = Path.GetDirectoryName(existing)!;                    // the root exists, so this ends there at the latest
        }
        try
        {
            using (File.Create(Path.Combine(existing, $".saliency-write-test-{Guid.NewGuid():N}"), 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"--out {folder} is not writable: {e.Message}", e);
        }
    }

    /// <summary>The longest --time-limit: 49 days, about the longest timer a CancellationTokenSource can set (2³² − 2 ms).</summary>
    private const double MaxTimeLimitMinutes = 49 * 24 * 60;

    private static int[] ParseWidths(string text) => text.Split(',').Select(width =>
        int.TryParse(width.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new ArgumentException($"--h-dims must be comma-separated whole numbers such as 16,16,16; '{width.Trim()}' is not one (or is too large).")).ToArray();

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
