using Saliency.Notebook.Data.Fetch;
using Saliency.Notebook.Models;

namespace Saliency.Notebook.Tests.Data;

public sealed class OriginalCheckpointsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "saliency-ckpt-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>The verified checkpoints folder, laid out as a mirror is.</summary>
    private static string MirrorCheckpoints => TestData.CheckpointsDirectory;

    [Fact]
    public void The_authors_checkpoints_are_copied_from_the_mirror_and_verified()
    {
        FetchReport report = OriginalCheckpoints.Fetch(_root, MirrorCheckpoints, "http://127.0.0.1:9/unused/");

        Assert.Equal(2, report.FetchedCount);
        Assert.All(report.Files, file => Assert.Equal(FetchSource.Mirror, file.Source));
        Assert.True(File.Exists(Path.Combine(_root, "models", "original", "symbols.ckpt")));
        Assert.Equal(2, OriginalCheckpoints.Fetch(_root, MirrorCheckpoints, "http://127.0.0.1:9/unused/").AlreadyPresentCount);
    }

    [Fact]
    public void A_wrong_mirror_copy_is_refused_and_nothing_is_left_in_place()
    {
        string mirror = Path.Combine(_root, "mirror");
        Directory.CreateDirectory(mirror);
        File.Copy(Path.Combine(MirrorCheckpoints, "eog.ckpt"), Path.Combine(mirror, "eog.ckpt"));
        byte[] symbols = File.ReadAllBytes(Path.Combine(MirrorCheckpoints, "symbols.ckpt"));
        symbols[1000] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(mirror, "symbols.ckpt"), symbols);

        var error = Assert.Throws<DataFetchException>(() => OriginalCheckpoints.Fetch(_root, mirror, "http://127.0.0.1:9/unused/"));

        Assert.Equal("symbols.ckpt", error.RelativePath);
        Assert.False(File.Exists(Path.Combine(_root, "models", "original", "symbols.ckpt")));
    }

    [Fact]
    public void A_model_choice_resolves_to_the_authors_the_kits_or_a_path_and_anything_else_is_an_error()
    {
        Assert.Equal(Path.Combine(TestData.RepoRoot, "models", "aircraft"), PaperModels.Resolve("kit", "aircraft", TestData.RepoRoot));
        _ = TestData.DataDirectory; // fetches models/original too
        Assert.True(File.Exists(PaperModels.Resolve("original", "eog", TestData.RepoRoot)));
        Assert.Contains("symbols and eog only", Assert.Throws<ArgumentException>(() => PaperModels.Resolve("original", "aircraft", TestData.RepoRoot)).Message);
        Assert.Contains("\"original\"", Assert.Throws<ArgumentException>(() => PaperModels.Resolve("no/such/model", "eog", TestData.RepoRoot)).Message);
    }
}
