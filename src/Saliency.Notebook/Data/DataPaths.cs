namespace Saliency.Notebook.Data;

/// <summary>Where the kit looks for its data: <c>&lt;repo root&gt;/data</c>, the repo root being the nearest folder up that holds Saliency.slnx.</summary>
public static class DataPaths
{
    /// <summary>The solution file that marks the repository root.</summary>
    public const string SolutionFile = "Saliency.slnx";

    /// <summary>The nearest folder at or above <paramref name="startDirectory"/> holding <see cref="SolutionFile"/>, or null.</summary>
    public static string? FindRepoRoot(string startDirectory)
    {
        for (DirectoryInfo? dir = new(Path.GetFullPath(startDirectory)); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile))) return dir.FullName;
        }
        return null;
    }

    /// <summary><c>&lt;repo root&gt;/data</c> found from <paramref name="startDirectory"/> (default: the current directory), or
    /// <c>&lt;start&gt;/data</c> when no repo root is found.</summary>
    public static string DefaultDataDirectory(string? startDirectory = null)
    {
        string start = startDirectory ?? Directory.GetCurrentDirectory();
        return Path.Combine(FindRepoRoot(start) ?? Path.GetFullPath(start), "data");
    }
}
