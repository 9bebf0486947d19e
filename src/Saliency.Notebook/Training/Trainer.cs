using System.Diagnostics;
using Saliency.Notebook.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Saliency.Notebook.Training;

/// <summary>What a finished training run gives back: the best model (by validation log-MSE, eval mode) and its record.</summary>
/// <param name="Model">The CVAE with the best validation weights loaded, on the training device, in eval mode.</param>
/// <param name="BestValidationLogMse">Its validation log-MSE.</param>
/// <param name="BestEpoch">The epoch that reached it.</param>
/// <param name="TestLogMse">log MSE(x̂, x) of the best model on the held-out test set (x̂ from a sampled z, as Lightning's test step), NaN when empty.</param>
/// <param name="EpochsRun">Epochs completed in total.</param>
/// <param name="ResumedAfterEpoch">The epoch the run resumed after (the checkpoint's), 0 for a fresh run: this call ran
/// <paramref name="EpochsRun"/> − <paramref name="ResumedAfterEpoch"/> epochs.</param>
/// <param name="Elapsed">Training time, including resumed sessions.</param>
/// <param name="History">One entry per epoch completed in total.</param>
/// <param name="Split">The split used.</param>
/// <param name="DataSha256">SHA-256 (hex) of the data trained on, as <see cref="TrainingCheckpoint.DataSha256"/> computes it.</param>
public sealed record TrainingResult(CVAE Model, double BestValidationLogMse, int BestEpoch, double TestLogMse, int EpochsRun, int ResumedAfterEpoch,
    TimeSpan Elapsed, IReadOnlyList<TrainingProgress> History, DatasetSplit Split, string DataSha256);

/// <summary>
/// Trains the CVAE as the paper's Lightning module did (§2.3): per-sample loss kld_coef·(log q(z|x) − log p(z)) + llv_coef·Σ −log N(x; x̂, σ),
/// single-sample Monte-Carlo KL, learned decoder σ, Adam, gradient-norm clipping, the best epoch by validation log MSE kept.
/// Every epoch draws its randomness (shuffle, dropout, latent samples) from a seed derived from (seed, epoch), so a run resumed
/// from a checkpoint repeats an uninterrupted one exactly without saving any RNG state. That randomness is torch's process-wide
/// generator: runs repeat exactly when nothing else in the process draws from it meanwhile (run one training at a time).
/// </summary>
public sealed class Trainer
{
    private static readonly double HalfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);

    /// <summary>Prepares a run of <paramref name="config"/> with <paramref name="options"/> on <paramref name="device"/> (default CPU).</summary>
    public Trainer(CvaeConfig config, TrainingOptions options, Device? device = null)
    {
        config.Validate();
        options.Validate();
        Config = config;
        Options = options;
        Device = device ?? CPU;
    }

    /// <summary>The architecture trained.</summary>
    public CvaeConfig Config { get; }

    /// <summary>The hyperparameters.</summary>
    public TrainingOptions Options { get; }

    /// <summary>The device the model and data live on.</summary>
    public Device Device { get; }

    /// <summary>
    /// Checks, before any work, that the run can use its checkpoint file: a resume needs one, and a fresh run refuses to replace
    /// one (a stopped run's progress, <see cref="TrainingCheckpointExistsException"/>) unless <see cref="TrainingOptions.Overwrite"/>
    /// says so. <see cref="Train"/> calls it first; call it earlier to fail before loading data.
    /// </summary>
    public void CheckCheckpoint()
    {
        if (Options.CheckpointPath is not { } path) return;
        if (Directory.Exists(path)) throw new IOException($"The checkpoint path {path} is a folder, not a file.");
        if (Options.Resume && !File.Exists(path))
            throw new FileNotFoundException($"Cannot resume: there is no training checkpoint at {path}. Train without resume to start a new run.", path);
        if (!Options.Resume && !Options.Overwrite && File.Exists(path)) throw new TrainingCheckpointExistsException(path);
    }

    /// <summary>
    /// Trains on <paramref name="data"/> (N, C, L) float32. Reports each epoch to <paramref name="progress"/>. Cancellation stops
    /// after the current epoch, writes the checkpoint and returns the best model so far. With <see cref="TrainingOptions.Resume"/>
    /// the checkpoint must exist and have been written for the same data (SHA-256), architecture and hyperparameters; anything
    /// else is an error, never a silent fresh start. Without it an existing checkpoint is an error unless
    /// <see cref="TrainingOptions.Overwrite"/> (<see cref="CheckCheckpoint"/>).
    /// </summary>
    public TrainingResult Train(Tensor data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        CheckCheckpoint();
        if (data.ndim != 3 || data.shape[1] != Config.Channels || data.shape[2] != Config.Length)
            throw new ArgumentException($"Data shape ({string.Join(", ", data.shape)}) does not fit the model's (N, {Config.Channels}, {Config.Length}).", nameof(data));

        var split = DatasetSplit.Create((int)data.shape[0], Options.Seed, Options.TrainRatio, Options.ValidationRatio);
        if (split.Train.Length == 0 || split.Validation.Length == 0)
            throw new ArgumentException($"{data.shape[0]} samples leave {split.Train.Length} for training and {split.Validation.Length} for validation; both must be non-empty.", nameof(data));

        string dataSha256 = TrainingCheckpoint.DataSha256(data);
        torch.manual_seed(Options.Seed);
        var model = new CVAE(Config);                          // outside the run's scope: its parameters outlive the run
        model.to(Device);
        var optimizer = optim.Adam(model.parameters().Where(p => p.requires_grad), lr: Options.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8);

        using var runScope = NewDisposeScope();                // the data's device copies and splits
        var onDevice = data.to(ScalarType.Float32, Device);
        var trainSet = onDevice.index_select(0, tensor(split.Train, device: Device));
        var validationSet = onDevice.index_select(0, tensor(split.Validation, device: Device));

        var state = new TrainingState();
        var best = CloneState(model);
        if (Options.Resume)
        {
            DisposeState(best);
            (state, best) = TrainingCheckpoint.Read(Options.CheckpointPath!, model, optimizer, Config, Options, dataSha256);
        }
        int resumedAfter = state.EpochsDone;

        var clock = Stopwatch.StartNew();
        TimeSpan earlier = state.Elapsed;
        for (int epoch = state.EpochsDone + 1; epoch <= Options.Epochs && !cancellation.IsCancellationRequested; epoch++)
        {
            using var scope = NewDisposeScope();
            SeedEpoch(epoch);
            double trainLoss = TrainEpoch(model, optimizer, trainSet);
            double validationLogMse = ValidationLogMse(model, validationSet);

            if (validationLogMse < state.BestValidationLogMse)
            {
                state.BestValidationLogMse = validationLogMse;
                state.BestEpoch = epoch;
                DisposeState(best);
                best = CloneState(model);
            }
            state.EpochsDone = epoch;
            state.Elapsed = earlier + clock.Elapsed;
            var report = new TrainingProgress(epoch, Options.Epochs, trainLoss, validationLogMse, state.BestValidationLogMse, state.BestEpoch, state.Elapsed);
            state.History.Add(report);
            progress?.Report(report);

            if (Options.CheckpointPath is { } path && Options.CheckpointEvery > 0 && epoch % Options.CheckpointEvery == 0 && epoch < Options.Epochs
                && state.BestEpoch > 0)                       // a run with no finite epoch yet has nothing worth resuming
                TrainingCheckpoint.Write(path, model, best, optimizer, Config, Options, dataSha256, state);
        }
        if (state.BestEpoch == 0)
        {
            optimizer.Dispose();
            DisposeState(best);
            model.Dispose();
            throw new InvalidOperationException(state.EpochsDone == resumedAfter
                ? "Training stopped before its first epoch finished, so there is no trained model to keep; nothing was written. Give it more time."
                : $"No epoch of {state.EpochsDone} gave a finite validation log-MSE (the last was {state.History[^1].ValidationLogMse}): the run diverged, " +
                  "so there is no model to keep and nothing was written. Lower the learning rate or check the data for huge or non-finite values.");
        }
        if (Options.CheckpointPath is { } finalPath) TrainingCheckpoint.Write(finalPath, model, best, optimizer, Config, Options, dataSha256, state);

        optimizer.Dispose();
        using (no_grad())
            foreach (var (name, parameter) in model.named_parameters()) parameter.copy_(best[name]);
        DisposeState(best);
        model.eval();

        double testLogMse = double.NaN;
        if (split.Test.Length > 0)
        {
            using var scope = NewDisposeScope();
            torch.manual_seed(DeriveSeed(Options.Seed, Options.Epochs + 1));
            using var testSet = onDevice.index_select(0, tensor(split.Test, device: Device));
            testLogMse = ValidationLogMse(model, testSet);
        }
        return new TrainingResult(model, state.BestValidationLogMse, state.BestEpoch, testLogMse, state.EpochsDone, resumedAfter, state.Elapsed,
            state.History, split, dataSha256);
    }

    /// <summary>Per-sample negative ELBO of a batch, averaged: kld·(log q(z|x) − log p(z)) + llv·Σ_{c,t} −log N(x; x̂, σ).</summary>
    public static Tensor Loss(CVAE model, Tensor batch, double kldCoef, double llvCoef)
    {
        using var scope = NewDisposeScope();
        using var output = model.call(batch);
        var logPosterior = LatentSpaceHead.DiagonalNormalLogDensity(output.Z, output.Loc, output.Scale);
        var logPrior = model.PriorLogDensity(output.Z);
        var sigma = model.DecoderScale;
        var negativeLogLikelihood = ((batch - output.Reconstruction).square() / (2 * sigma.square()) + sigma.log() + HalfLogTwoPi).sum(new long[] { 1, 2 });
        var perSample = (logPosterior - logPrior) * kldCoef + negativeLogLikelihood * llvCoef;
        return perSample.mean().MoveToOuterDisposeScope();
    }

    /// <summary>log MSE(x̂, x) over a whole set, x̂ decoded from a sampled z in eval mode (dropout off), in batches.</summary>
    public double ValidationLogMse(CVAE model, Tensor set)
    {
        model.eval();
        using var noGrad = no_grad();
        double squaredError = 0;
        long n = set.shape[0];
        for (long start = 0; start < n; start += Options.BatchSize)
        {
            using var scope = NewDisposeScope();
            var batch = set.narrow(0, start, Math.Min(Options.BatchSize, n - start));
            squaredError += (model.Reconstruct(batch, sample: true) - batch).square().sum().item<float>();
        }
        return Math.Log(squaredError / set.numel());
    }

    private double TrainEpoch(CVAE model, OptimizerHelper optimizer, Tensor trainSet)
    {
        model.train();
        long n = trainSet.shape[0];
        using var order = randperm(n).to(Device);            // the CPU generator, seeded for this epoch by SeedEpoch
        double lossSum = 0;
        int batches = 0;
        for (long start = 0; start < n; start += Options.BatchSize)
        {
            using var scope = NewDisposeScope();
            var batch = trainSet.index_select(0, order.narrow(0, start, Math.Min(Options.BatchSize, n - start)));
            optimizer.zero_grad();
            var loss = Loss(model, batch, Options.KldCoef, Options.LlvCoef);
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters().Where(p => p.requires_grad), Options.GradientClipNorm);
            optimizer.step();
            lossSum += loss.item<float>();
            batches++;
        }
        return lossSum / batches;
    }

    private void SeedEpoch(int epoch)
    {
        long seed = DeriveSeed(Options.Seed, epoch);
        torch.manual_seed(seed);
        if (Device.type == DeviceType.CUDA) torch.cuda.manual_seed_all(seed);
    }

    /// <summary>A well-mixed 63-bit seed from (seed, epoch) (SplitMix64 finaliser), so neighbouring epochs get unrelated streams.</summary>
    internal static long DeriveSeed(long seed, long epoch)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (long)((z ^ (z >> 31)) & 0x7FFF_FFFF_FFFF_FFFFUL);
    }

    /// <summary>A copy of the weights that outlives the epoch's dispose scope.</summary>
    private static Dictionary<string, Tensor> CloneState(CVAE model) =>
        model.state_dict().ToDictionary(entry => entry.Key, entry => entry.Value.detach().clone().DetachFromDisposeScope());

    private static void DisposeState(Dictionary<string, Tensor> state)
    {
        foreach (var tensor in state.Values) tensor.Dispose();
    }
}
