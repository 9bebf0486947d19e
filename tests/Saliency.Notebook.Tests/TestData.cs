using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Fetch;

namespace Saliency.Notebook.Tests;

/// <summary>Paths the tests share: the repository root, the read-only shared folder beside it, and a data directory
/// (<c>&lt;repo&gt;/data</c>) that is filled and verified by <see cref="DataFetcher"/> once per test run.</summary>
public static class TestData
{
    private static readonly Lazy<string> Data = new(FetchOnce, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The folder holding Saliency.slnx, found from the test assembly's folder.</summary>
    public static string RepoRoot { get; } = DataPaths.FindRepoRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException($"no {DataPaths.SolutionFile} above {AppContext.BaseDirectory}");

    /// <summary>The shared read-only folder (<c>&lt;repo&gt;/../shared</c>: reference notes, data, original checkpoints).</summary>
    public static string SharedDirectory { get; } = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    /// <summary><c>&lt;repo&gt;/data</c>, holding the 11 verified data files. The first use fetches them from the mirror
    /// (SALIENCY_DATA_MIRROR, else ../shared/data when it exists, else upstream); later uses cost nothing.</summary>
    public static string DataDirectory => Data.Value;

    private static string FetchOnce()
    {
        string target = Path.Combine(RepoRoot, "data");
        string sharedData = Path.Combine(SharedDirectory, "data");
        string? mirror = Environment.GetEnvironmentVariable(DataFetcher.MirrorVariable) is { Length: > 0 } env ? env
            : Directory.Exists(sharedData) ? sharedData
            : null;
        DataFetcher.Fetch(target, mirror);
        OriginalCheckpoints.Fetch(RepoRoot); // models/original: the paper notebooks' default models
        return target;
    }
}
