using System.Text;

namespace Saliency.Notebook.IO;

/// <summary>
/// The kit's one way of writing a file: into a hidden temporary sibling, flushed to disk, then renamed over the target, so a reader
/// sees the old file or the whole new one and a failure leaves the target untouched (the temporary file is removed).
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes whatever <paramref name="fill"/> writes to its stream to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = TempPathFor(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                fill(new KeepOpenStream(stream));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to <paramref name="path"/>.</summary>
    public static void WriteAllText(string path, string text) => Write(path, Encoding.UTF8.GetBytes(text));

    /// <summary>Copies <paramref name="source"/> to <paramref name="path"/>.</summary>
    public static void Copy(string source, string path) => Write(path, stream =>
    {
        using FileStream input = File.OpenRead(source);
        input.CopyTo(stream);
    });

    /// <summary>A fresh hidden temporary name in the folder of <paramref name="fullPath"/> (for writers that stream into it themselves).</summary>
    public static string TempPathFor(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");

    /// <summary>Lets a writer that closes its stream (a StreamWriter, TorchSharp's save) do so without closing the file before its flush to disk.</summary>
    private sealed class KeepOpenStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
        protected override void Dispose(bool disposing) => inner.Flush();
    }
}
