using Saliency.Cli.Commands;
using Saliency.Notebook.Models;
using Spectre.Console;

namespace Saliency.Notebook.Tests.Cli;

/// <summary><c>saliency train</c>: no silent fresh start, and the committed models are not the default output.</summary>
[Collection(NotebookSessionCollection.Name)] // captures Console.Error, so it runs alone
public class TrainCommandTests
{
    private static int Invoke(System.CommandLine.Command command, params string[] args) => command.Parse(args).Invoke();

    [Fact]
    public void Resume_without_a_checkpoint_exits_with_1_and_trains_nothing()
    {
        string dir = Directory.CreateTempSubdirectory("train-").FullName;
        var (code, error) = StandardError.Capture(() => Invoke(TrainCommand.Create(), "--dataset", "symbols", "--data", TestData.DataDirectory, "--epochs", "2",
            "--device", "cpu", "--out", dir, "--resume"));
        try
        {
            Assert.Equal(1, code);
            Assert.Contains("no training checkpoint", error);
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_diverged_run_exits_with_1_and_leaves_the_model_already_in_out_untouched()
    {
        string dir = Directory.CreateTempSubdirectory("train-").FullName;
        string[] files = ["model.pt", "model.json", "training.ckpt"];
        foreach (string file in files) File.WriteAllText(Path.Combine(dir, file), "an earlier run's " + file);
        var (code, error) = StandardError.Capture(() => Invoke(TrainCommand.Create(), "--dataset", "symbols", "--data", TestData.DataDirectory, "--epochs", "1",
            "--lr", "1e30", "--device", "cpu", "--out", dir, "--overwrite"));
        try
        {
            Assert.Equal(1, code);
            Assert.Contains("diverged", error);
            Assert.Equal(files.Order(), Directory.GetFiles(dir).Select(Path.GetFileName).Order());
            Assert.All(files, file => Assert.Equal("an earlier run's " + file, File.ReadAllText(Path.Combine(dir, file))));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("--h-dims", "16,99999999999", "--h-dims must be comma-separated whole numbers")]
    [InlineData("--time-limit", "1e20", "--time-limit must be a number of minutes in (0, 70560]")]
    [InlineData("--time-limit", "0", "--time-limit must be a number of minutes")]
    [InlineData("--lr", "NaN", "LearningRate must be a finite number > 0, got NaN")]
    [InlineData("--kld-coef", "-5", "KldCoef must be a finite number ≥ 0, got -5")]
    [InlineData("--dropout", "NaN", "Dropout must be in [0, 1), got NaN")]
    [InlineData("--checkpoint-every", "-1", "CheckpointEvery must be ≥ 0 (0: only at the end), got -1")]
    [InlineData("--epochs", "-3", "Epochs must be ≥ 1, got -3")]
    public void Numbers_out_of_range_exit_with_1_and_one_line_before_training(string option, string value, string message)
    {
        string dir = Directory.CreateTempSubdirectory("train-").FullName;
        string[] epochs = option == "--epochs" ? [] : ["--epochs", "1"];
        var (code, output, error) = WithOutput(() => Invoke(TrainCommand.Create(), ["--dataset", "symbols", "--data", TestData.DataDirectory, .. epochs,
            "--device", "cpu", "--out", dir, option, value]));
        try
        {
            Assert.Equal(1, code);
            Assert.Contains(message, error);
            Assert.Single(error.Trim().Split('\n'));
            Assert.DoesNotContain("Training", output);                          // no banner for a run that never starts
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void An_out_that_is_a_file_exits_with_1_before_training_and_leaves_the_file_alone()
    {
        string dir = Directory.CreateTempSubdirectory("train-").FullName;
        string file = Path.Combine(dir, "notes.txt");
        File.WriteAllText(file, "not a folder");
        var (code, output, error) = WithOutput(() => Invoke(TrainCommand.Create(), "--dataset", "symbols", "--data", TestData.DataDirectory, "--epochs", "2",
            "--device", "cpu", "--out", file));
        var (nestedCode, _, nestedError) = WithOutput(() => Invoke(TrainCommand.Create(), "--dataset", "symbols", "--data", TestData.DataDirectory, "--epochs", "2",
            "--device", "cpu", "--out", Path.Combine(file, "model")));
        try
        {
            Assert.Equal((1, 1), (code, nestedCode));
            Assert.Equal($"saliency train: --out {file} is a file, not a folder.", error.Trim());
            Assert.Equal($"saliency train: --out {Path.Combine(file, "model")} cannot be a folder: {file} is a file, not a folder.", nestedError.Trim());
            Assert.DoesNotContain("Training", output);
            Assert.Equal("not a folder", File.ReadAllText(file));
            Assert.Equal([file], Directory.GetFileSystemEntries(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void An_out_that_cannot_be_written_exits_with_1_before_training()
    {
        if (!OperatingSystem.IsLinux()) return;                                // /proc refuses new files even to root
        string unwritable = "/proc/saliency-train-test";
        var (code, output, error) = WithOutput(() => Invoke(TrainCommand.Create(), "--dataset", "symbols", "--data", TestData.DataDirectory, "--epochs", "2",
            "--device", "cpu", "--out", unwritable));
        Assert.Equal(1, code);
        Assert.StartsWith($"saliency train: --out {unwritable} is not writable: ", error.Trim());
        Assert.DoesNotContain("Training", output);
    }

    [Fact]
    public void A_fresh_run_into_a_stopped_runs_folder_is_refused_unless_resumed_or_overwritten()
    {
        string dir = Directory.CreateTempSubdirectory("train-").FullName;
        string[] args = ["--dataset", "symbols", "--data", TestData.DataDirectory, "--device", "cpu", "--out", dir];
        try
        {
            Assert.Equal(0, WithOutput(() => Invoke(TrainCommand.Create(), [.. args, "--epochs", "2"])).Code);
            string checkpoint = Path.Combine(dir, "training.ckpt");
            byte[] stopped = File.ReadAllBytes(checkpoint);
            byte[] model = File.ReadAllBytes(Path.Combine(dir, "model.pt"));

            var (code, output, error) = WithOutput(() => Invoke(TrainCommand.Create(), [.. args, "--epochs", "3"]));
            Assert.Equal(1, code);
            Assert.Equal($"saliency train: --out {dir} already holds {checkpoint}, the resumable checkpoint of an earlier run: " +
                         "pass --resume to continue it, or --overwrite to start over and replace it and the model there.", error.Trim());
            Assert.DoesNotContain("Training", output);
            Assert.Equal(stopped, File.ReadAllBytes(checkpoint));
            Assert.Equal(model, File.ReadAllBytes(Path.Combine(dir, "model.pt")));

            var (bothCode, _, bothError) = WithOutput(() => Invoke(TrainCommand.Create(), [.. args, "--epochs", "3", "--resume", "--overwrite"]));
            Assert.Equal(1, bothCode);
            Assert.Contains("--resume and --overwrite exclude each other", bothError);

            var (resumedCode, resumed, _) = WithOutput(() => Invoke(TrainCommand.Create(), [.. args, "--epochs", "3", "--resume"]));
            Assert.Equal(0, resumedCode);
            Assert.Contains("resumed after epoch 2", resumed);
            var (overwrittenCode, overwritten, _) = WithOutput(() => Invoke(TrainCommand.Create(), [.. args, "--epochs", "1", "--overwrite"]));
            Assert.Equal(0, overwrittenCode);
            Assert.DoesNotContain("resumed", overwritten);
            using var restarted = ModelStore.Load(dir);
            Assert.Equal(1, restarted.Card.Epochs);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_run_stopped_by_its_time_limit_says_so_and_its_card_records_the_epochs_asked_for()
    {
        string dir = Directory.CreateTempSubdirectory("train-").FullName;
        try
        {
            // 0.05 minutes (3 s) is enough for an epoch of symbols on a CPU and far too little for 100000.
            var (code, output, error) = WithOutput(() => Invoke(TrainCommand.Create(), "--dataset", "symbols", "--data", TestData.DataDirectory,
                "--epochs", "100000", "--time-limit", "0.05", "--device", "cpu", "--out", dir));
            Assert.True(code == 0, error);
            using var model = ModelStore.Load(dir);
            var card = model.Card;
            Assert.Equal(100000, card.EpochsRequested);
            Assert.InRange(card.Epochs!.Value, 1, 99999);
            Assert.Contains($"stopped after {card.Epochs} of 100000 epochs (time limit); continue with --resume", output);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Runs a command with stdout, Spectre's console (banner, progress) and stderr captured.</summary>
    private static (int Code, string Output, string Error) WithOutput(Func<int> run)
    {
        var output = new StringWriter();
        var originalOut = Console.Out;
        var originalAnsi = AnsiConsole.Console;
        Console.SetOut(output);
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No });
        try
        {
            var (code, error) = StandardError.Capture(run);
            return (code, output.ToString(), error);
        }
        finally
        {
            Console.SetOut(originalOut);
            AnsiConsole.Console = originalAnsi;
        }
    }

    [Fact]
    public void The_default_output_is_outside_the_committed_models()
    {
        string output = TrainCommand.DefaultOutput("symbols");
        Assert.Equal(Path.Combine(TestData.RepoRoot, "out", "models", "symbols"), output);
        Assert.False(output.StartsWith(Path.Combine(TestData.RepoRoot, "models") + Path.DirectorySeparatorChar, StringComparison.Ordinal));
    }
}
