
namespace Saliency.Notebook.Data.Fetch;

/// <summary>
/// Which model a paper notebook loads, by one word: <c>original</c> (the authors' published checkpoint, symbols and eog
/// only, fetched and SHA-256 checked into models/original), <c>kit</c> (the kit's trained model in models/&lt;dataset&gt;),
/// or any path (a kit model folder or a Lightning .ckpt).
/// </summary>
public static class PaperModels
{
    /// <summary>The path to load for <paramref name="choice"/> and <paramref name="dataset"/> in the repository at <paramref name="repositoryRoot"/>.</summary>
    public static string Resolve(string choice, string dataset, string repositoryRoot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(choice);
        if (choice == "original")
        {
            string path = OriginalCheckpoints.PathFor(repositoryRoot, dataset);
            if (!File.Exists(path)) OriginalCheckpoints.Fetch(repositoryRoot);
            return path;
        }
        if (choice == "kit") return Path.Combine(repositoryRoot, "models", dataset);
        if (File.Exists(choice) || Directory.Exists(choice)) return choice;
        throw new ArgumentException($"Model '{choice}': use \"original\" (the authors' checkpoint; symbols and eog), \"kit\" (models/{dataset}) or the path of a model folder or .ckpt file.", nameof(choice));
    }
}
