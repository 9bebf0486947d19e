using System.Text;
using Saliency.Notebook.IO;

namespace Saliency.Notebook.Tests.IO;

/// <summary>The kit's one atomic write: the old file or the whole new one, never a part, and no temporary file left.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("atomic-file-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_write_replaces_the_file_whole_even_when_the_writer_closes_its_stream()
    {
        string path = Path.Combine(_folder, "sub", "a.json");
        AtomicFile.WriteAllText(path, "old");
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false));   // closes the stream it was given
            writer.Write("new");
        });
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["a.json"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void A_failed_write_leaves_the_old_file_and_no_temporary_file()
    {
        string path = Path.Combine(_folder, "b.bin");
        AtomicFile.Write(path, [1, 2, 3]);
        var error = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write([9, 9, 9, 9]);
            throw new InvalidOperationException("disk full");
        }));
        Assert.Equal("disk full", error.Message);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Equal(["b.bin"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }
}
