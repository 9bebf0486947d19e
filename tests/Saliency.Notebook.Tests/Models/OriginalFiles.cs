using Saliency.Notebook.Data.Npy;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Models;

/// <summary>The authors' checkpoints and the paper's data files as published, fetched and SHA-256 checked (<see cref="TestData"/>).</summary>
internal static class OriginalFiles
{
    public static string Checkpoint(string name) => TestData.Checkpoint(name);

    /// <summary>A stored (N, L, C) .npy of the paper's data as a float32 (N, C, L) tensor, as the original TSDataset did.</summary>
    public static Tensor Series(string relativePath)
    {
        var array = NpyReader.Read(Path.Combine(TestData.DataDirectory, relativePath));
        using var stored = tensor(array.ToSingleArray()).reshape(array.Shape);
        return stored.permute(0, 2, 1).contiguous();
    }
}
