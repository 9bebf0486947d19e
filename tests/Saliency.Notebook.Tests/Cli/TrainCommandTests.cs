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
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(1, Invoke(TrainCommand.Create(), "--dataset", "symbols", "--data", TestData.DataDirectory, "--epochs", "2",
                "--device", "cpu", "--out", dir, "--resume"));
            Assert.Contains("no training checkpoint", error.ToString());
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally
        {
            Console.SetError(original);
            Directory.Delete(dir, recursive: true);
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
