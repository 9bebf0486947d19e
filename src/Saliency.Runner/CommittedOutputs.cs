using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Saliency.Runner;

/// <summary>
/// The outputs a notebook is committed with, so that GitHub, nbviewer and a reader without the kernel see its figures before
/// anyone runs it: an executed run's outputs (each figure with its static image) copied into the notebook's own cells, and a
/// SHA-256 of its code cells kept in the notebook's metadata (<c>saliency.code_sha256</c>), so that a test can tell when the
/// code changed after the outputs were made. <c>./saliency reproduce --png --refresh-notebooks</c> writes them.
/// </summary>
public static class CommittedOutputs
{
    /// <summary>The notebook metadata key that holds the stamp.</summary>
    public const string MetadataKey = "saliency";

    /// <summary>The stamp's field: the hash of the code the outputs came from.</summary>
    public const string CodeHashField = "code_sha256";

    /// <summary>The command that refreshes the committed outputs (what a stale notebook's message tells the reader to run).</summary>
    public const string RefreshCommand = "./saliency reproduce --png --refresh-notebooks";

    /// <summary>
    /// SHA-256 (hex) of the notebook's code: every code cell's language (C# when it names none) and source, in order. Markdown,
    /// metadata and outputs do not count, so editing a lead keeps the outputs current and editing code does not.
    /// </summary>
    public static string CodeHash(NotebookDocument notebook)
    {
        var text = new StringBuilder();
        foreach (JsonObject cell in notebook.Cells.OfType<JsonObject>().Where(IsCode))
            text.Append(NotebookDocument.Language(cell) ?? "csharp").Append('\n').Append(NotebookDocument.Source(cell)).Append('\0');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>
    /// Copies the outputs and execution counts of <paramref name="executed"/> (a run of <paramref name="notebookPath"/>, cell for
    /// cell) into that notebook, stamps it with its <see cref="CodeHash"/> and writes it in place, atomically. The notebook's own
    /// sources and metadata stay as they are. Throws when the run's cells are not the notebook's (a cell added or removed since).
    /// </summary>
    public static void Refresh(string notebookPath, NotebookDocument executed)
    {
        NotebookDocument notebook = NotebookDocument.Load(notebookPath);
        if (notebook.Cells.Count != executed.Cells.Count)
            throw new InvalidOperationException($"{notebookPath} has {notebook.Cells.Count} cells but its run has {executed.Cells.Count}: run it again before refreshing its outputs.");
        for (int i = 0; i < notebook.Cells.Count; i++)
        {
            if (notebook.Cells[i] is not JsonObject cell || executed.Cells[i] is not JsonObject ran || Type(cell) != Type(ran))
                throw new InvalidOperationException($"Cell {i + 1} of {notebookPath} is not the cell its run executed: run it again before refreshing its outputs.");
            if (!IsCode(cell)) continue;
            cell["outputs"] = ran["outputs"]?.DeepClone() ?? new JsonArray();
            cell["execution_count"] = ran["execution_count"]?.DeepClone();
        }
        notebook.Metadata[MetadataKey] = new JsonObject { [CodeHashField] = CodeHash(notebook) };
        notebook.Save(notebookPath);
    }

    /// <summary>
    /// Why the committed outputs of <paramref name="notebook"/> (read from <paramref name="path"/>) are not those of its code, or
    /// null when they are: no stamp, or code changed since the stamp.
    /// </summary>
    public static string? StaleReason(NotebookDocument notebook, string path)
    {
        string? stamped = (notebook.Metadata[MetadataKey] as JsonObject)?[CodeHashField]?.GetValue<string>();
        if (stamped == null) return $"{path} carries no outputs stamp ({MetadataKey}.{CodeHashField}): run {RefreshCommand}.";
        return stamped == CodeHash(notebook) ? null : $"{path}: its code changed since its outputs were made: run {RefreshCommand}.";
    }

    private static bool IsCode(JsonObject cell) => Type(cell) == "code";

    private static string? Type(JsonObject cell) => cell["cell_type"]?.GetValue<string>();
}
