using Saliency.Notebook.IO;
using Saliency.Notebook.Models;
using Saliency.Notebook.Models.Checkpoints;
using Saliency.Notebook.Tests.Models;
using Saliency.Notebook.Training;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Training;

[Collection(GlobalTorchRandomness.Name)]
public sealed class TrainerTests
{
    // 16 channels and kernel 17 as the paper: libtorch 2.10 CPU computes ConvTranspose1d (and so Conv1d input gradients) wrongly,
    // nondeterministically, for some tiny shapes (e.g. 4 channels, kernel 5, length 20) on this machine; the paper's widths are unaffected.
    private static readonly CvaeConfig Tiny = new() { Channels = 2, Length = 20, LatentDim = 3, HiddenDims = new[] { 16, 16 }, KernelSize = 17, SamplingFactor = 5, Dropout = 0.1 };

    /// <summary>Smooth random curves (N, 2, 20): sums of two sinusoids with random phases and amplitudes.</summary>
    private static Tensor Curves(int n)
    {
        var generator = new Generator(3);
        var t = linspace(0, 2 * Math.PI, 20).reshape(1, 1, 20);
        var amplitude = rand(new long[] { n, 2, 1 }, generator: generator);
        var phase = rand(new long[] { n, 2, 1 }, generator: generator) * 6.28;
        return (amplitude * (t + phase).sin() + 0.3 * (2 * t - phase).cos()).to(ScalarType.Float32);
    }

    private static TrainingOptions Options(int epochs, string? checkpoint = null, bool resume = false) =>
        new() { Epochs = epochs, BatchSize = 16, LearningRate = 5e-3, KldCoef = 0.1, Seed = 11, CheckpointPath = checkpoint, CheckpointEvery = 3, Resume = resume };

    [Fact]
    public void SplitFollowsThePapersArithmetic()
    {
        var split = DatasetSplit.Create(990, 42);
        Assert.Equal((634, 158, 198), (split.Train.Length, split.Validation.Length, split.Test.Length));
        Assert.Equal(Enumerable.Range(0, 990).Select(i => (long)i), split.Train.Concat(split.Validation).Concat(split.Test).Order());
        Assert.Equal(split.Train, DatasetSplit.Create(990, 42).Train);
    }

    [Fact]
    public void LossDecreasesAndProgressIsReported()
    {
        using var data = Curves(80);
        var reports = new List<TrainingProgress>();
        var result = new Trainer(Tiny, Options(30)).Train(data, new SynchronousProgress<TrainingProgress>(reports.Add));
        using var model = result.Model;
        Assert.Equal(30, reports.Count);
        Assert.Equal(Enumerable.Range(1, 30), reports.Select(r => r.Epoch));
        Assert.True(reports[^1].TrainLoss < reports[0].TrainLoss - 1, $"train loss {reports[0].TrainLoss} → {reports[^1].TrainLoss}");
        Assert.Equal(reports.Min(r => r.ValidationLogMse), result.BestValidationLogMse);
        Assert.True(result.BestValidationLogMse < reports[0].ValidationLogMse);
        Assert.False(model.training);
        Assert.False(double.IsNaN(result.TestLogMse));
    }

    [Fact]
    public void SeededRunsRepeatExactly()
    {
        using var data = Curves(60);
        var first = new Trainer(Tiny, Options(4)).Train(data);
        var second = new Trainer(Tiny, Options(4)).Train(data);
        Assert.Equal(first.History.Select(h => h.TrainLoss), second.History.Select(h => h.TrainLoss));
        Assert.Equal(first.History.Select(h => h.ValidationLogMse), second.History.Select(h => h.ValidationLogMse));
        AssertSameWeights(first.Model, second.Model);
        var otherSeed = new Trainer(Tiny, Options(4) with { Seed = 12 }).Train(data);
        Assert.NotEqual(first.History[^1].TrainLoss, otherSeed.History[^1].TrainLoss);
        foreach (var r in new[] { first, second, otherSeed }) r.Model.Dispose();
    }

    [Fact]
    public void ResumeGivesTheSameResultAsAnUninterruptedRun()
    {
        using var temp = new TempDirectory();
        using var data = Curves(60);
        var uninterrupted = new Trainer(Tiny, Options(8)).Train(data);

        string checkpoint = Path.Combine(temp.Path, "run.ckpt");
        var firstPart = new Trainer(Tiny, Options(5, checkpoint)).Train(data);
        Assert.True(File.Exists(checkpoint));
        var reports = new List<TrainingProgress>();
        var resumed = new Trainer(Tiny, Options(8, checkpoint, resume: true)).Train(data, new SynchronousProgress<TrainingProgress>(reports.Add));

        // It resumed: only epochs 6..8 ran in this call (a re-run from scratch would report 1..8 and give the same numbers).
        Assert.Equal(new[] { 6, 7, 8 }, reports.Select(r => r.Epoch));
        Assert.Equal((5, 8), (resumed.ResumedAfterEpoch, resumed.EpochsRun));
        Assert.Equal(0, uninterrupted.ResumedAfterEpoch);
        Assert.Equal(8, resumed.History.Count);
        Assert.Equal(uninterrupted.History.Select(h => h.TrainLoss), resumed.History.Select(h => h.TrainLoss));
        Assert.Equal(uninterrupted.History.Select(h => h.ValidationLogMse), resumed.History.Select(h => h.ValidationLogMse));
        Assert.Equal((uninterrupted.BestEpoch, uninterrupted.BestValidationLogMse), (resumed.BestEpoch, resumed.BestValidationLogMse));
        AssertSameWeights(uninterrupted.Model, resumed.Model);
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp"));

        var otherHyperparameters = Options(9, checkpoint, resume: true) with { LearningRate = 1e-2 };
        Assert.Throws<InvalidDataException>(() => new Trainer(Tiny, otherHyperparameters).Train(data));
        foreach (var r in new[] { uninterrupted, firstPart, resumed }) r.Model.Dispose();
    }

    [Fact]
    public void ResumingWithoutACheckpointIsAnError()
    {
        using var temp = new TempDirectory();
        using var data = Curves(40);
        string missing = Path.Combine(temp.Path, "none.ckpt");
        var error = Assert.Throws<FileNotFoundException>(() => new Trainer(Tiny, Options(3, missing, resume: true)).Train(data));
        Assert.Contains("no training checkpoint", error.Message);
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public void AStopBeforeTheFirstEpochIsAnErrorAndWritesNothing()
    {
        using var temp = new TempDirectory();
        using var data = Curves(40);
        string checkpoint = Path.Combine(temp.Path, "run.ckpt");
        using var stopped = new CancellationTokenSource();
        stopped.Cancel();
        var error = Assert.Throws<InvalidOperationException>(() => new Trainer(Tiny, Options(3, checkpoint)).Train(data, cancellation: stopped.Token));
        Assert.Contains("before its first epoch", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    [Fact]
    public void ADivergedRunIsAnErrorAndWritesNothing()
    {
        // A learning rate of 1e30 is finite, so it passes validation, but the first Adam step already makes the weights useless.
        using var temp = new TempDirectory();
        using var data = Curves(40);
        string checkpoint = Path.Combine(temp.Path, "run.ckpt");
        // 7 epochs with a checkpoint every 3: the interval checkpoints are skipped too, so nothing at all is written.
        var error = Assert.Throws<InvalidOperationException>(() => new Trainer(Tiny, Options(7, checkpoint) with { LearningRate = 1e30 }).Train(data));
        Assert.Contains("diverged", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    [Theory]
    [InlineData(double.NaN, 0.1)]
    [InlineData(double.PositiveInfinity, 0.1)]
    [InlineData(0.0, 0.1)]
    [InlineData(1e-3, double.NaN)]
    [InlineData(1e-3, -0.5)]
    public void NonFiniteOrNegativeRatesAndWeightsAreRefused(double learningRate, double kldCoef)
    {
        var options = Options(3) with { LearningRate = learningRate, KldCoef = kldCoef };
        Assert.Throws<ArgumentException>(options.Validate);
        Assert.Throws<ArgumentException>(() => new Trainer(Tiny, options));
    }

    [Theory]
    [InlineData(-0.5, 3, "GradientClipNorm must be a finite number > 0, got -0.5")]
    [InlineData(0.0, 3, "GradientClipNorm must be a finite number > 0, got 0")]
    [InlineData(double.NaN, 3, "GradientClipNorm must be a finite number > 0, got NaN")]
    [InlineData(double.PositiveInfinity, 3, "GradientClipNorm must be a finite number > 0, got ")]
    [InlineData(0.5, -1, "CheckpointEvery must be ≥ 0 (0: only at the end), got -1")]
    public void ClipNormsThatCannotClipAndNegativeCheckpointIntervalsAreRefused(double clip, int checkpointEvery, string message)
    {
        // A negative clip norm flips the gradient (training climbs the loss) and 0 freezes the weights, both without a word.
        var options = Options(3) with { GradientClipNorm = clip, CheckpointEvery = checkpointEvery };
        Assert.StartsWith(message, Assert.Throws<ArgumentException>(options.Validate).Message);
        Assert.Throws<ArgumentException>(() => new Trainer(Tiny, options));
    }

    [Fact]
    public void ACheckpointIntervalOf0WritesTheCheckpointOnlyAtTheEnd()
    {
        using var temp = new TempDirectory();
        using var data = Curves(40);
        string checkpoint = Path.Combine(temp.Path, "run.ckpt");
        var written = new List<bool>();
        var result = new Trainer(Tiny, Options(4, checkpoint) with { CheckpointEvery = 0 })
            .Train(data, new SynchronousProgress<TrainingProgress>(_ => written.Add(File.Exists(checkpoint))));
        result.Model.Dispose();
        Assert.Equal(new[] { false, false, false, false }, written);
        Assert.True(File.Exists(checkpoint));
    }

    [Fact]
    public void AFreshRunOverAnExistingCheckpointIsRefusedUnlessItOverwrites()
    {
        using var temp = new TempDirectory();
        using var data = Curves(40);
        string checkpoint = Path.Combine(temp.Path, "run.ckpt");
        new Trainer(Tiny, Options(2, checkpoint)).Train(data).Model.Dispose();
        byte[] stopped = File.ReadAllBytes(checkpoint);

        var error = Assert.Throws<TrainingCheckpointExistsException>(() => new Trainer(Tiny, Options(4, checkpoint)).Train(data));
        Assert.Equal(checkpoint, error.CheckpointPath);
        Assert.Contains(checkpoint, error.Message);
        Assert.Equal(stopped, File.ReadAllBytes(checkpoint));                 // the stopped run's progress is kept
        Assert.Throws<TrainingCheckpointExistsException>(() => new Trainer(Tiny, Options(4, checkpoint)).CheckCheckpoint());

        var restarted = new Trainer(Tiny, Options(3, checkpoint) with { Overwrite = true }).Train(data);
        restarted.Model.Dispose();
        Assert.Equal(0, restarted.ResumedAfterEpoch);
        Assert.NotEqual(stopped, File.ReadAllBytes(checkpoint));
        Assert.Throws<ArgumentException>(() => new Trainer(Tiny, Options(4, checkpoint, resume: true) with { Overwrite = true }));
    }

    [Fact]
    public void TheTrainingCheckpointBesideAModelIsNotTakenForTheModel()
    {
        using var temp = new TempDirectory();
        using var data = Curves(40);
        string checkpoint = Path.Combine(temp.Path, "training.ckpt");
        var result = new Trainer(Tiny, Options(1, checkpoint)).Train(data);
        using (result.Model) ModelStore.Save(temp.Path, result.Model, new ModelCard { Config = Tiny, Dataset = "curves" });

        var error = Assert.Throws<CheckpointException>(() => ModelStore.Load(checkpoint));
        Assert.Contains("resumable training checkpoint", error.Message);
        Assert.Contains(temp.Path, error.Message);
        using var model = ModelStore.Load(temp.Path);                       // the folder it points to loads
    }

    [Fact]
    public void ResumingOnOtherDataIsAnError()
    {
        using var temp = new TempDirectory();
        using var data = Curves(40);
        string checkpoint = Path.Combine(temp.Path, "run.ckpt");
        var first = new Trainer(Tiny, Options(2, checkpoint)).Train(data);
        first.Model.Dispose();
        Assert.Equal(TrainingCheckpoint.DataSha256(data), first.DataSha256);

        using var other = data.clone();
        other[0, 0, 0] = other[0, 0, 0] + 1e-3f;                              // one value differs
        var error = Assert.Throws<InvalidDataException>(() => new Trainer(Tiny, Options(4, checkpoint, resume: true)).Train(other));
        Assert.Contains("other data", error.Message);
        Assert.Contains(first.DataSha256, error.Message);
        using var reordered = data.flip(0);                                    // same samples, other order: other data too
        Assert.Throws<InvalidDataException>(() => new Trainer(Tiny, Options(4, checkpoint, resume: true)).Train(reordered));
    }

    [Fact]
    public void DataHashIsTheSha256OfTheFloat32ValuesInCOrder()
    {
        using var data = tensor(new float[] { 1, 2, 3, 4 }).view(1, 2, 2);
        byte[] bytes = new float[] { 1, 2, 3, 4 }.SelectMany(BitConverter.GetBytes).ToArray();
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), TrainingCheckpoint.DataSha256(data));
        using var transposed = data.transpose(1, 2);                           // a non-contiguous view hashes its logical order
        byte[] transposedBytes = new float[] { 1, 3, 2, 4 }.SelectMany(BitConverter.GetBytes).ToArray();
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(transposedBytes)), TrainingCheckpoint.DataSha256(transposed));
    }

    [Fact]
    public void VampPriorModelTrains()
    {
        using var data = Curves(40);
        var config = Tiny with { Prior = LatentPrior.VampPrior, Components = 6 };
        var result = new Trainer(config, Options(5)).Train(data);
        using var model = result.Model;
        Assert.All(result.History, h => Assert.True(double.IsFinite(h.TrainLoss)));
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss);
    }

    private static void AssertSameWeights(CVAE a, CVAE b)
    {
        var left = a.state_dict();
        var right = b.state_dict();
        foreach (var (name, value) in left) Assert.True(value.equal(right[name]).all().item<bool>(), $"{name} differs");
    }
}
