namespace Saliency.Runner;

/// <summary>A process and its descendants, read from /proc (Linux); just the process elsewhere.</summary>
internal static class ProcessTree
{
    /// <summary>The id of <paramref name="rootId"/> and of every process below it.</summary>
    public static IReadOnlyList<int> Of(int rootId)
    {
        var parents = new Dictionary<int, int>();
        if (Directory.Exists("/proc"))
            foreach (string folder in Directory.EnumerateDirectories("/proc"))
                if (int.TryParse(Path.GetFileName(folder), out int id) && ParentOf(folder) is { } parent)
                    parents[id] = parent;
        var tree = new List<int> { rootId };
        for (int i = 0; i < tree.Count; i++)
            tree.AddRange(parents.Where(pair => pair.Value == tree[i]).Select(pair => pair.Key));
        return tree;
    }

    private static int? ParentOf(string processFolder)
    {
        string stat;
        try { stat = File.ReadAllText(Path.Combine(processFolder, "stat")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        // pid (comm) state ppid ...: the command name may hold spaces and parentheses, so read after the last ')'.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 1 && int.TryParse(fields[1], out int parent) ? parent : null;
    }
}
