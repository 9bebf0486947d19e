using Saliency.Notebook.Data.Npy;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Models;

/// <summary>The read-only shared folder beside the repository: the authors' checkpoints and the paper's data as stored.</summary>
internal static class OriginalFiles
{
    public static string SharedDirectory => TestData.SharedDirectory;

    public static string Checkpoint(string name) => Path.Combine(SharedDirectory, "reference", "original_checkpoints", name + ".ckpt");

    /// <summary>A stored (N, L, C) .npy under shared/data as a float32 (N, C, L) tensor, as the original TSDataset did.</summary>
    public static Tensor Series(string relativePath)
    {
        var array = NpyReader.Read(Path.Combine(SharedDirectory, "data", relativePath));
        using var stored = tensor(array.ToSingleArray()).reshape(array.Shape);
        return stored.permute(0, 2, 1).contiguous();
    }
}
