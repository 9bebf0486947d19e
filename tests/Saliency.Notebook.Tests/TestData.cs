using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Fetch;

namespace Saliency.Notebook.Tests;

/// <summary>
/// Paths the tests share: the repository root, and the data (<c>&lt;repo&gt;/data</c>) and the authors' checkpoints
/// (<c>&lt;repo&gt;/models/original</c>) fetched and verified once per test run the way the kit fetches them on a user's clone:
/// from the mirror variable, else this workplace's shared folder when there is one, else upstream. No test reads the shared
/// folder itself.
/// </summary>
public static class TestData
{
    private static readonly Lazy<string> Data = new(FetchOnce, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The folder holding Saliency.slnx, found from the test assembly's folder.</summary>
    public static string RepoRoot { get; } = DataPaths.FindRepoRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException($"no {DataPaths.SolutionFile} above {AppContext.BaseDirectory}");

    /// <summary><c>&lt;repo&gt;/data</c>, holding the 11 verified data files. The first use fetches them from the mirror
    /// (SALIENCY_DATA_MIRROR, else ../shared/data when it exists, else upstream); later uses cost nothing.</summary>
    public static string DataDirectory => Data.Value;

    /// <summary><c>&lt;repo&gt;/models/original</c>, holding the authors' two verified checkpoints (fetched with the data).</summary>
    public static string CheckpointsDirectory
    {
        get
        {
            _ = Data.Value;
            return Path.Combine(RepoRoot, OriginalCheckpoints.RelativeFolder);
        }
    }

    /// <summary>The authors' checkpoint of <paramref name="dataset"/> (symbols or eog), fetched and verified.</summary>
    public static string Checkpoint(string dataset)
    {
        _ = Data.Value;
        return OriginalCheckpoints.PathFor(RepoRoot, dataset);
    }

    private static string FetchOnce()
    {
        string target = Path.Combine(RepoRoot, "data");
        string sharedData = Path.Combine(RepoRoot, "..", "shared", "data");
        string? mirror = Environment.GetEnvironmentVariable(DataFetcher.MirrorVariable) is { Length: > 0 } env ? env
            : Directory.Exists(sharedData) ? sharedData
            : null;
        DataFetcher.Fetch(target, mirror);
        OriginalCheckpoints.Fetch(RepoRoot); // models/original: the paper notebooks' default models
        return target;
    }
}
