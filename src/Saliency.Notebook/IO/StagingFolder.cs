namespace Saliency.Notebook.IO;

/// <summary>
/// The kit's one staging folder: whatever a run writes goes into <c>&lt;target&gt;.staging-&lt;pid&gt;-&lt;id&gt;</c> beside its
/// target and reaches the target only on a commit, so a failed or stopped run leaves the target as it was. Disposed without a commit,
/// the staging folder is deleted; the process id in its name lets the next run delete those of runs that were killed.
/// </summary>
public sealed class StagingFolder : IDisposable
{
    private const string Marker = ".staging-";
    private bool _committed;

    /// <summary>Creates an empty staging folder beside <paramref name="target"/>, first deleting those of processes that are gone.</summary>
    public StagingFolder(string target)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        Target = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(target));
        string parent = System.IO.Path.GetDirectoryName(Target)
                        ?? throw new ArgumentException($"{target} is a file system root; give a folder of its own.", nameof(target));
        Directory.CreateDirectory(parent);
        RemoveOrphans(parent, System.IO.Path.GetFileName(Target) + Marker);
        Path = $"{Target}{Marker}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder the run is for.</summary>
    public string Target { get; }

    /// <summary>Where the run writes until it commits.</summary>
    public string Path { get; }

    /// <summary>Replaces the target as a whole by the staging folder (the target's earlier content goes).</summary>
    public void ReplaceTarget()
    {
        if (Directory.Exists(Target))
        {
            string old = $"{Target}.old-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
            Directory.Move(Target, old);
            Directory.Move(Path, Target);
            Directory.Delete(old, recursive: true);
        }
        else Directory.Move(Path, Target);
        _committed = true;
    }

    /// <summary>Moves each staged file into the target (replacing files of the same name, keeping the others) and returns their names.</summary>
    public IReadOnlySet<string> MoveFilesIntoTarget()
    {
        Directory.CreateDirectory(Target);
        var moved = new HashSet<string>(StringComparer.Ordinal);
        foreach (string staged in Directory.GetFiles(Path))
        {
            string name = System.IO.Path.GetFileName(staged);
            File.Move(staged, System.IO.Path.Combine(Target, name), overwrite: true);
            moved.Add(name);
        }
        Directory.Delete(Path, recursive: true);
        _committed = true;
        return moved;
    }

    /// <summary>Deletes the staging folder unless it was committed.</summary>
    public void Dispose()
    {
        if (!_committed && Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }

    private static void RemoveOrphans(string parent, string prefix)
    {
        foreach (string staging in Directory.GetDirectories(parent, prefix + "*"))
        {
            string rest = System.IO.Path.GetFileName(staging)[prefix.Length..];
            int dash = rest.IndexOf('-');
            if (dash > 0 && int.TryParse(rest[..dash], out int pid) && !RunningProcess.IsRunning(pid))
                Directory.Delete(staging, recursive: true);
        }
    }
}
