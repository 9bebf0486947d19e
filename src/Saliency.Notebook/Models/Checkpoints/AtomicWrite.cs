using Saliency.Notebook.Data.Npy;

namespace Saliency.Notebook.Models.Checkpoints;

/// <summary>Writes a file atomically from a stream-writing callback (buffered in memory: models and checkpoints are small).</summary>
internal static class AtomicWrite
{
    /// <summary>Runs <paramref name="write"/> into a buffer, then replaces <paramref name="path"/> by temp file + rename.</summary>
    public static void File(string path, Action<Stream> write)
    {
        using var buffer = new MemoryStream();
        write(buffer);
        AtomicFile.Write(path, buffer.ToArray()); // ToArray works after a writer closed the stream
    }
}
