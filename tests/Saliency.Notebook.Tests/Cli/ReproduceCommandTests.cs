using Saliency.Cli.Commands;

namespace Saliency.Notebook.Tests.Cli;

/// <summary><c>saliency reproduce</c> refuses what it cannot run before it fetches, packs or starts a kernel.</summary>
[Collection(NotebookSessionCollection.Name)] // swaps Console.Error
public class ReproduceCommandTests
{
    [Fact]
    public void An_unknown_dataset_exits_with_1_naming_it_and_writes_nothing()
    {
        string dir = Directory.CreateTempSubdirectory("reproduce-").FullName;
        TextWriter error = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            int code = ReproduceCommand.Create().Parse(new[] { "--dataset", "symbols", "--dataset", "birds", "--out", Path.Combine(dir, "out") }).Invoke();

            Assert.Equal(1, code);
            Assert.Contains("unknown dataset 'birds'", captured.ToString());
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally
        {
            Console.SetError(error);
            Directory.Delete(dir, recursive: true);
        }
    }
}
