using Saliency.Notebook.Display;
using Saliency.Notebook.IO;

namespace Saliency.Runner;

/// <summary>
/// One notebook's figures, written aside into a <see cref="StagingFolder"/> next to the figures folder and moved in by
/// <see cref="Commit"/>, which also removes that notebook's figures of an earlier run (its <see cref="FigureFiles.FilePrefix"/>
/// files): the folder holds the earlier run's figures or the new run's, never a mix, and other notebooks' figures in it
/// stay. Disposed without a commit, the staging folder is deleted and the figures folder is left as it was.
/// </summary>
public sealed class StagedFigures : IDisposable
{
    private readonly StagingFolder _staging;
    private readonly string _prefix;

    /// <summary>Creates an empty staging folder next to <paramref name="directory"/> for the figures of <paramref name="notebookName"/>.</summary>
    public StagedFigures(string directory, string notebookName)
    {
        _staging = new StagingFolder(directory);
        _prefix = FigureFiles.FilePrefix(notebookName);
    }

    /// <summary>The figures folder.</summary>
    public string Folder => _staging.Target;

    /// <summary>Where the new figures are written until <see cref="Commit"/>.</summary>
    public string Staging => _staging.Path;

    /// <summary>Where <paramref name="stagedPath"/>, a file in <see cref="Staging"/>, is after the commit.</summary>
    public string Committed(string stagedPath) => Path.Combine(Folder, Path.GetFileName(stagedPath));

    /// <summary>Moves the staged figures into <see cref="Folder"/> and removes the notebook's figures that this run did not write.</summary>
    public void Commit()
    {
        var written = _staging.MoveFilesIntoTarget();
        foreach (string earlier in Directory.GetFiles(Folder, _prefix + "*").Where(path => !written.Contains(Path.GetFileName(path))))
            File.Delete(earlier);
    }

    /// <summary>Deletes the staging folder unless it was committed.</summary>
    public void Dispose() => _staging.Dispose();
}
