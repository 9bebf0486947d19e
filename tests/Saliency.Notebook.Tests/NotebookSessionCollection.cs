namespace Saliency.Notebook.Tests;

/// <summary>
/// Tests that touch process-wide notebook state (the Formatter registry, the plotly.js session, the console and the
/// working directory the runner swaps) run one at a time in this collection.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotebookSessionCollection
{
    public const string Name = "Notebook session";
}

/// <summary>Paths of the repository, found from the test assembly's folder.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string TestNotebook(string name) => Path.Combine(Root, "tests", "Saliency.Notebook.Tests", "TestNotebooks", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Saliency.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"No Saliency.slnx above {AppContext.BaseDirectory}.");
    }
}
