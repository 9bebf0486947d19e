using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Saliency.Notebook.Models;

/// <summary>
/// The JSON card stored next to a kit model's weights: what it is (architecture), what it was trained on (dataset and the
/// SHA-256 of its data), how (hyperparameters, seed, epochs, device, time) and how well (best validation log-MSE).
/// </summary>
public sealed record ModelCard
{
    /// <summary>Card format tag.</summary>
    public string Format { get; init; } = "saliency-cvae/1";

    /// <summary>The architecture.</summary>
    public required CvaeConfig Config { get; init; }

    /// <summary>Dataset name in the kit's registry (symbols, eog, aircraft, aircraft-flyover), or null when unknown.</summary>
    public string? Dataset { get; init; }

    /// <summary>SHA-256 (hex) of the dataset's data file, or null.</summary>
    public string? DatasetSha256 { get; init; }

    /// <summary>Training hyperparameters (seed included); null for an imported model whose training is unknown.</summary>
    public TrainingHyperparameters? Training { get; init; }

    /// <summary>Epochs trained.</summary>
    public int? Epochs { get; init; }

    /// <summary>Epochs the run asked for: more than <see cref="Epochs"/> when it stopped early (time limit, Ctrl+C) and can be resumed; null when unknown.</summary>
    public int? EpochsRequested { get; init; }

    /// <summary>Epoch whose weights these are (the best by validation log-MSE).</summary>
    public int? BestEpoch { get; init; }

    /// <summary>Best validation log MSE(x̂, x) (x̂ from a sampled z).</summary>
    public double? BestValidationLogMse { get; init; }

    /// <summary>The same metric on the held-out test split.</summary>
    public double? TestLogMse { get; init; }

    /// <summary>Training wall time in seconds.</summary>
    public double? TrainingSeconds { get; init; }

    /// <summary>Device trained on (cpu, cuda:0, …).</summary>
    public string? Device { get; init; }

    /// <summary>Version of the Saliency.Notebook library that wrote the card.</summary>
    public string KitVersion { get; init; } = CurrentKitVersion;

    /// <summary>When the card was written (UTC).</summary>
    public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Where the weights came from: "trained", or the original checkpoint they were imported from.</summary>
    public string Source { get; init; } = "trained";

    /// <summary>Free text: why these settings (e.g. the aircraft VampPrior's K).</summary>
    public string? Notes { get; init; }

    /// <summary>The library's informational version.</summary>
    public static string CurrentKitVersion =>
        typeof(ModelCard).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0";

    /// <summary>The JSON settings of cards and checkpoint headers: indented, camelCase, enums as strings, ±∞/NaN allowed.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
