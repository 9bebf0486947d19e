using Saliency.Cli.Commands;

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
        var (code, error) = WithStderr(() => Invoke(TrainCommand.Create(), "--dataset", "symbols", "--data", TestData.DataDirectory, "--epochs", "2",
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
        var (code, error) = WithStderr(() => Invoke(TrainCommand.Create(), "--dataset", "symbols", "--data", TestData.DataDirectory, "--epochs", "1",
            "--lr", "1e30", "--device", "cpu", "--out", dir));
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
    public void Numbers_out_of_range_exit_with_1_and_one_line_before_training(string option, string value, string message)
    {
        string dir = Directory.CreateTempSubdirectory("train-").FullName;
        var (code, error) = WithStderr(() => Invoke(TrainCommand.Create(), "--dataset", "symbols", "--data", TestData.DataDirectory, "--epochs", "1",
            "--device", "cpu", "--out", dir, option, value));
        try
        {
            Assert.Equal(1, code);
            Assert.Contains(message, error);
            Assert.Single(error.Trim().Split('\n'));
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static (int Code, string Error) WithStderr(Func<int> run)
    {
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        try
        {
            return (run(), error.ToString());
        }
        finally { Console.SetError(original); }
    }

    [Fact]
    public void The_default_output_is_outside_the_committed_models()
    {
        string output = TrainCommand.DefaultOutput("symbols");
        Assert.Equal(Path.Combine(TestData.RepoRoot, "out", "models", "symbols"), output);
        Assert.False(output.StartsWith(Path.Combine(TestData.RepoRoot, "models") + Path.DirectorySeparatorChar, StringComparison.Ordinal));
    }
}
