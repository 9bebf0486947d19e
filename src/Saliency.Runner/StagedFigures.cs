using Saliency.Notebook.Data;
using Saliency.Notebook.IO;

namespace Saliency.Runner;

/// <summary>
/// One notebook's figures, written aside into a staging folder next to the figures folder and moved in by
/// <see cref="Commit"/>, which also removes that notebook's figures of an earlier run (its <see cref="FigureExport.FilePrefix"/>
/// files): the folder holds the earlier run's figures or the new run's, never a mix, and other notebooks' figures in it
/// stay. Disposed without a commit, the staging folder is deleted and the figures folder is left as it was. The staging
/// folder's name carries the process id (<c>figures.staging-PID-ID</c>), so that the next run removes those of killed runs.
/// </summary>
public sealed class StagedFigures : IDisposable
{
    private readonly string _prefix;
    private bool _committed;

    /// <summary>Creates an empty staging folder next to <paramref name="directory"/> for the figures of <paramref name="notebookName"/>.</summary>
    public StagedFigures(string directory, string notebookName)
    {
        Folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        RemoveOrphans(Folder);
        Staging = $"{Folder}{StagingMarker}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
        _prefix = FigureExport.FilePrefix(notebookName);
        Directory.CreateDirectory(Staging);
    }

    private const string StagingMarker = ".staging-";

    /// <summary>Deletes the staging folders next to <paramref name="folder"/> whose process is gone (a run killed before it could clean up).</summary>
    private static void RemoveOrphans(string folder)
    {
        string? parent = Path.GetDirectoryName(folder);
        if (parent == null || !Directory.Exists(parent)) return;
        string prefix = Path.GetFileName(folder) + StagingMarker;
        foreach (string staging in Directory.GetDirectories(parent, prefix + "*"))
        {
            string rest = Path.GetFileName(staging)[prefix.Length..];
            int dash = rest.IndexOf('-');
            if (dash > 0 && int.TryParse(rest[..dash], out int pid) && !RunningProcess.IsRunning(pid))
                Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>The figures folder.</summary>
    public string Folder { get; }

    /// <summary>Where the new figures are written until <see cref="Commit"/>.</summary>
    public string Staging { get; }

    /// <summary>Where <paramref name="stagedPath"/>, a file in <see cref="Staging"/>, is after the commit.</summary>
    public string Committed(string stagedPath) => Path.Combine(Folder, Path.GetFileName(stagedPath));

    /// <summary>Moves the staged figures into <see cref="Folder"/> and removes the notebook's figures that this run did not write.</summary>
    public void Commit()
    {
        Directory.CreateDirectory(Folder);
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (string staged in Directory.GetFiles(Staging))
        {
            File.Move(staged, Committed(staged), overwrite: true);
            written.Add(Path.GetFileName(staged));
        }
        foreach (string earlier in Directory.GetFiles(Folder, _prefix + "*").Where(path => !written.Contains(Path.GetFileName(path))))
            File.Delete(earlier);
        Directory.Delete(Staging, recursive: true);
        _committed = true;
    }

    /// <summary>Deletes the staging folder unless it was committed.</summary>
    public void Dispose()
    {
        if (!_committed && Directory.Exists(Staging)) Directory.Delete(Staging, recursive: true);
    }
}
