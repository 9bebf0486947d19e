using Saliency.Cli.Commands;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Cli;

/// <summary>
/// <c>saliency reproduce</c> refuses what it cannot run before it fetches, packs or starts a kernel, in one line; a notebook
/// that cannot run does not stop the others.
/// </summary>
[Collection(NotebookSessionCollection.Name)] // swaps Console.Error
public class ReproduceCommandTests
{
    [Fact]
    public void An_unknown_dataset_exits_with_1_naming_it_and_writes_nothing()
    {
        string dir = Directory.CreateTempSubdirectory("reproduce-").FullName;
        try
        {
            (int code, string error) = StandardError.Capture(() =>
                ReproduceCommand.Create().Parse(new[] { "--dataset", "symbols", "--dataset", "birds", "--out", Path.Combine(dir, "out") }).Invoke());

            Assert.Equal(1, code);
            Assert.Contains("unknown dataset 'birds'", error);
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("reproduce")]
    [InlineData("pack")]
    public void Outside_the_repository_the_command_says_so_in_one_line(string command)
    {
        string dir = Directory.CreateTempSubdirectory("reproduce-outside-").FullName;
        string original = Environment.CurrentDirectory;
        Environment.CurrentDirectory = dir;
        try
        {
            var root = new System.CommandLine.RootCommand { ReproduceCommand.Create(), PackCommand.Create() };
            (int code, string error) = StandardError.Capture(() => root.Parse(new[] { command }).Invoke());

            Assert.Equal(1, code);
            Assert.Equal($"saliency {command}: No Saliency.slnx in {dir} or above: run the command inside the repository.", error.TrimEnd());
        }
        finally
        {
            Environment.CurrentDirectory = original;
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_notebook_that_cannot_run_is_reported_and_the_next_one_runs()
    {
        string dir = Directory.CreateTempSubdirectory("reproduce-continues-").FullName;
        try
        {
            string malformed = Path.Combine(dir, "a-malformed.ipynb");
            File.WriteAllText(malformed, """{"cells":[{"cell_type":"code","source":5}],"nbformat":4}""");
            string basic = Path.Combine(dir, "basic.ipynb");
            File.Copy(Repository.TestNotebook("basic.ipynb"), basic);

            IReadOnlyList<ReproducedNotebook> results = await Reproduction.RunAsync(new[] { ("symbols", malformed), ("symbols", basic) }, Path.Combine(dir, "out"), png: false);

            Assert.Equal(2, results.Count);
            Assert.False(results[0].Succeeded);
            Assert.Null(results[0].Result);
            Assert.Contains("cell 1's \"source\" is a number", results[0].Failure);
            Assert.True(results[1].Succeeded, results[1].Failure);
            Assert.True(File.Exists(Path.Combine(dir, "out", "symbols", "basic.ipynb")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
