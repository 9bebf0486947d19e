namespace Saliency.Notebook.Data.Fetch;

/// <summary>
/// The authors' published models (PyTorch Lightning checkpoints of the symbols and eog CVAEs), fetched like the data:
/// from a mirror folder (<see cref="MirrorVariable"/>) or the authors' repository, SHA-256 checked, written atomically.
/// The aircraft models were never published.
/// </summary>
public static class OriginalCheckpoints
{
    /// <summary>The upstream models folder at the commit the kit reproduces.</summary>
    public const string DefaultBaseUrl = "https://raw.githubusercontent.com/Aisthetic/explain_autoencoder/87f42d9bad6e0886a7d7f19ad517d76ec9d2597f/models/";

    /// <summary>Environment variable naming a folder that holds <c>symbols.ckpt</c> and <c>eog.ckpt</c>.</summary>
    public const string MirrorVariable = "SALIENCY_CHECKPOINT_MIRROR";

    /// <summary>Where they go in the repository: <c>models/original/</c> (git-ignored; never committed).</summary>
    public const string RelativeFolder = "models/original";

    /// <summary>The two checkpoints, their sizes and SHA-256.</summary>
    public static IReadOnlyList<DataFile> Manifest { get; } =
    [
        new("eog.ckpt", 617577, "9cb261a395b7391f10b62f03927aa3af57db626dec9a1c989c6c06dc5ea88dae"),
        new("symbols.ckpt", 307305, "86feee32886309266338699c002d49e2b42ae5e871b1df80dfb4ccb0b6b519ec"),
    ];

    /// <summary>
    /// Makes sure <paramref name="repositoryRoot"/>/models/original holds both checkpoints, fetching what is missing from
    /// <paramref name="mirror"/> (default: <see cref="MirrorVariable"/>, else <c>../shared/reference/original_checkpoints</c>
    /// when it exists) or upstream.
    /// </summary>
    public static FetchReport Fetch(string repositoryRoot, string? mirror = null, string? baseUrl = null, IProgress<FetchProgress>? progress = null)
    {
        string shared = Path.GetFullPath(Path.Combine(repositoryRoot, "..", "shared", "reference", "original_checkpoints"));
        mirror ??= Environment.GetEnvironmentVariable(MirrorVariable) is { Length: > 0 } configured ? configured
            : Directory.Exists(shared) ? shared : null;
        return DataFetcher.Fetch(Manifest, Path.Combine(repositoryRoot, RelativeFolder), mirror, baseUrl ?? DefaultBaseUrl, progress,
            $"To work offline, put symbols.ckpt and eog.ckpt in a folder and set {MirrorVariable}=DIR.");
    }

    /// <summary>Path of the authors' checkpoint for <paramref name="dataset"/> (symbols or eog) under <paramref name="repositoryRoot"/>.</summary>
    public static string PathFor(string repositoryRoot, string dataset) =>
        Manifest.Any(file => file.RelativePath == dataset + ".ckpt")
            ? Path.Combine(repositoryRoot, RelativeFolder, dataset + ".ckpt")
            : throw new ArgumentException($"The authors published checkpoints for symbols and eog only, not '{dataset}'.", nameof(dataset));
}
