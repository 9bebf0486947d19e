using System.Globalization;
using System.Text;
using System.Text.Json;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.IO;

namespace Saliency.Notebook.Evaluation;

/// <summary>The metric keys of an evaluation row, with the direction in which each improves and what it measures.</summary>
public static class EvaluationMetrics
{
    /// <summary>Area under the normalised latent displacement as the most salient positions are removed first (higher: the map finds what moves the target).</summary>
    public const string DeletionAuc = "deletion_auc";

    /// <summary>Area under the normalised latent displacement as the most salient positions are restored first into the fully imputed series (lower is better).</summary>
    public const string InsertionAuc = "insertion_auc";

    /// <summary>Mean over samples of the largest relative change of the map under input noise of the stated radius (lower: more stable).</summary>
    public const string MaxSensitivity = "max_sensitivity";

    /// <summary>Mean over samples of 1 − Spearman(map of the trained model, map of the fully randomised model) (higher: the map depends on what was learned).</summary>
    public const string RandomisationDistance = "randomisation_distance";

    /// <summary>tint's area under precision against the planted window (higher is better).</summary>
    public const string Aup = "aup";

    /// <summary>tint's area under recall against the planted window (higher is better).</summary>
    public const string Aur = "aur";

    /// <summary>tint's average precision against the planted window (higher is better).</summary>
    public const string Auprc = "auprc";

    /// <summary>Every key in table order, with whether higher is better and a one-line description.</summary>
    public static IReadOnlyList<(string Key, bool HigherIsBetter, string Description)> All { get; } =
    [
        (DeletionAuc, true, "area under |Δtarget| / |Δtarget of the fully imputed series| vs fraction of positions removed most-salient-first"),
        (InsertionAuc, false, "the same area as the most salient positions are restored first into the fully imputed series"),
        (MaxSensitivity, false, "mean over samples of max over perturbations of ‖map(x+δ) − map(x)‖₂ / ‖map(x)‖₂, δ uniform in ±radius (Captum sensitivity_max)"),
        (RandomisationDistance, true, "mean over samples of 1 − Spearman(|map| of the trained model, |map| of the fully randomised model)"),
        (Aup, true, "tint aup of the normalised map against the planted window"),
        (Aur, true, "tint aur of the normalised map against the planted window"),
        (Auprc, true, "tint auprc (average precision) of the normalised map against the planted window"),
    ];
}

/// <summary>One row of the table: a method, what it computed, its metrics (null where a metric does not apply) and its time.</summary>
/// <param name="Method">The method's registry name, or <c>random</c>.</param>
/// <param name="Description">What it computed, in words.</param>
/// <param name="Metrics">By key of <see cref="EvaluationMetrics"/>; a key is absent where the evaluation did not compute it (white-box metrics without a truth) and null where it does not apply (white-box metrics of a frequency map).</param>
/// <param name="Seconds">Time for the row, attributions included.</param>
public sealed record EvaluationRow(string Method, string Description, IReadOnlyDictionary<string, MetricEstimate?> Metrics, double Seconds)
{
    /// <summary>The estimate of metric <paramref name="key"/>, NaN when absent or not applicable.</summary>
    public double this[string key] => Metrics.TryGetValue(key, out var estimate) && estimate is { } e ? e.Value : double.NaN;
}

/// <summary>A method's normalised mean removal curves (what a notebook plots): fraction of positions removed → displacement.</summary>
/// <param name="Method">The method.</param>
/// <param name="Axis">Time steps or rfft bins removed.</param>
/// <param name="Fractions">The x-axis: fraction of positions removed (deletion) or restored (insertion).</param>
/// <param name="Deletion">Mean |Δtarget| over the fully imputed series' mean |Δtarget|, 0 → 1.</param>
/// <param name="Insertion">The same as positions are restored, 1 → 0.</param>
public sealed record RemovalCurves(string Method, AttributionAxis Axis, IReadOnlyList<double> Fractions, IReadOnlyList<double> Deletion, IReadOnlyList<double> Insertion);

/// <summary>Where a planted evaluation's data and model came from (see <see cref="PlantedEvaluation"/>).</summary>
/// <param name="WindowStart">First step of the planted window.</param>
/// <param name="WindowLength">Its length in steps.</param>
/// <param name="DataSeed">Seed of the generated series.</param>
/// <param name="TrainingSeed">Seed of the model's training.</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="ValidationLogMse">The trained model's best validation log MSE.</param>
/// <param name="TrainingSeconds">Training time.</param>
public sealed record PlantedSetup(int WindowStart, int WindowLength, long DataSeed, long TrainingSeed, int Epochs, double ValidationLogMse, double TrainingSeconds);

/// <summary>
/// An evaluation table (methods × metrics, each with its bootstrap spread), the removal curves, and everything needed to repeat it
/// (settings, seeds). <see cref="Save"/> writes <c>evaluation.json</c>; <see cref="ToTable"/> is the readable table.
/// </summary>
public sealed class EvaluationResult
{
    /// <summary>The file <see cref="Save"/> writes.</summary>
    public const string FileName = "evaluation.json";

    internal EvaluationResult(string dataset, int samples, string target, EvaluationOptions options, string device, int batchSize,
        IReadOnlyList<EvaluationRow> rows, IReadOnlyList<RemovalCurves> curves, int subsetSamples, double seconds)
    {
        Dataset = dataset;
        Samples = samples;
        Target = target;
        Options = options;
        Device = device;
        BatchSize = batchSize;
        Rows = rows;
        Curves = curves;
        SubsetSamples = subsetSamples;
        Seconds = seconds;
    }

    /// <summary>The dataset's name.</summary>
    public string Dataset { get; }

    /// <summary>N, the series evaluated.</summary>
    public int Samples { get; }

    /// <summary>The target's name: PC1, or zK.</summary>
    public string Target { get; }

    /// <summary>The options it ran with.</summary>
    public EvaluationOptions Options { get; }

    /// <summary>The device it ran on.</summary>
    public string Device { get; }

    /// <summary>Rows per pass through the model.</summary>
    public int BatchSize { get; }

    /// <summary>One row per method, then <c>random</c>.</summary>
    public IReadOnlyList<EvaluationRow> Rows { get; }

    /// <summary>The normalised mean removal curves, one per row.</summary>
    public IReadOnlyList<RemovalCurves> Curves { get; }

    /// <summary>Samples max-sensitivity and the randomisation distance were computed on.</summary>
    public int SubsetSamples { get; }

    /// <summary>Wall time of the whole evaluation.</summary>
    public double Seconds { get; }

    /// <summary>The planted data and model, for a planted evaluation; else null.</summary>
    public PlantedSetup? Planted { get; init; }

    /// <summary>The row of <paramref name="method"/>.</summary>
    public EvaluationRow this[string method] => Rows.FirstOrDefault(r => r.Method == method)
        ?? throw new KeyNotFoundException($"No row '{method}'; rows: {string.Join(", ", Rows.Select(r => r.Method))}.");

    /// <summary>The metric keys this table has, in order.</summary>
    public IReadOnlyList<string> MetricKeys => EvaluationMetrics.All.Select(m => m.Key).Where(k => Rows.Any(r => r.Metrics.ContainsKey(k))).ToArray();

    /// <summary>
    /// The JSON of <c>evaluation.json</c>: <c>rows</c> (per method: <c>method</c>, each metric key with its estimate, and
    /// <c>KEY_std</c> and <c>KEY_ci</c> [2.5 %, 97.5 %] from the bootstrap; null where a metric does not apply), <c>metrics</c>
    /// (direction and meaning of each key), <c>settings</c>, <c>seeds</c>, <c>curves</c> and, for planted data, <c>planted</c>.
    /// </summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("dataset", Dataset);
            json.WriteNumber("samples", Samples);
            json.WriteString("target", Target);
            json.WriteStartArray("rows");
            foreach (var row in Rows)
            {
                json.WriteStartObject();
                json.WriteString("method", row.Method);
                foreach (string key in MetricKeys)
                {
                    var estimate = row.Metrics.GetValueOrDefault(key);
                    Number(json, key, estimate?.Value);
                    Number(json, key + "_std", estimate?.Std);
                    json.WriteStartArray(key + "_ci");
                    Value(json, estimate?.Low);
                    Value(json, estimate?.High);
                    json.WriteEndArray();
                }
                json.WriteString("description", row.Description);
                json.WriteNumber("seconds", Math.Round(row.Seconds, 3));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject("metrics");
            foreach (var (key, higher, description) in EvaluationMetrics.All.Where(m => MetricKeys.Contains(m.Key)))
            {
                json.WriteStartObject(key);
                json.WriteString("better", higher ? "higher" : "lower");
                json.WriteString("description", description);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteStartObject("settings");
            json.WriteString("target", Options.Target);
            json.WriteString("fill", Options.Fill.ToString());
            json.WriteString("fill_kind", Options.Fill.Kind == FillKind.NoisyLinear ? "noisy-linear" : "constant");
            json.WriteNumber("imputation_noise", Options.Fill.Noise);
            json.WriteNumber("fill_value", Options.Fill.Value);
            json.WriteNumber("fraction_steps", Options.FractionSteps);
            json.WriteNumber("sensitivity_radius", Options.SensitivityRadius);
            json.WriteNumber("sensitivity_perturbations", Options.SensitivityPerturbations);
            json.WriteNumber("subset_samples", SubsetSamples);
            json.WriteNumber("resamples", Options.Resamples);
            json.WriteString("uncertainty", "bootstrap over samples: _std is the standard deviation, _ci the 2.5 and 97.5 percentiles of the resampled statistic");
            json.WriteString("device", Device);
            json.WriteNumber("batch_size", BatchSize);
            json.WriteString("gradcam_layer", Options.Settings.Layer);
            json.WriteString("gradcam_mode", Options.Settings.Mode.ToString().ToLowerInvariant());
            json.WriteNumber("ig_steps", Options.Settings.Steps);
            json.WriteEndObject();
            json.WriteStartObject("seeds");
            json.WriteNumber("seed", Options.Seed);
            json.WriteNumber("imputation_noise", Options.Seed);
            json.WriteNumber("random_attribution", Options.Seed + 1);
            json.WriteNumber("sensitivity_perturbations", Options.Seed + 2);
            json.WriteNumber("randomised_model", Options.Seed + 3);
            json.WriteNumber("bootstrap", (Options.Seed + 4) & int.MaxValue);
            json.WriteNumber("subset", Options.Seed + 5);
            if (Planted is { } planted)
            {
                json.WriteNumber("planted_data", planted.DataSeed);
                json.WriteNumber("planted_training", planted.TrainingSeed);
            }
            json.WriteEndObject();
            if (Planted is { } p)
            {
                json.WriteStartObject("planted");
                json.WriteNumber("window_start", p.WindowStart);
                json.WriteNumber("window_length", p.WindowLength);
                json.WriteNumber("epochs", p.Epochs);
                Number(json, "validation_log_mse", p.ValidationLogMse);
                json.WriteNumber("training_seconds", Math.Round(p.TrainingSeconds, 3));
                json.WriteEndObject();
            }
            json.WriteStartArray("curves");
            foreach (var curve in Curves)
            {
                json.WriteStartObject();
                json.WriteString("method", curve.Method);
                json.WriteString("axis", curve.Axis == AttributionAxis.Time ? "time" : "frequency");
                Array(json, "fractions", curve.Fractions);
                Array(json, "deletion", curve.Deletion);
                Array(json, "insertion", curve.Insertion);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNumber("seconds", Math.Round(Seconds, 3));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes <c>evaluation.json</c> into <paramref name="directory"/> (created when missing) atomically and returns its path.</summary>
    public string Save(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        AtomicFile.WriteAllText(path, ToJson());
        return path;
    }

    /// <summary>The table as aligned text: one line per method, each metric as estimate ± bootstrap std, and each column's direction.</summary>
    public string ToTable()
    {
        var keys = MetricKeys;
        var header = new[] { "method" }.Concat(keys.Select(k => k + (EvaluationMetrics.All.First(m => m.Key == k).HigherIsBetter ? " ↑" : " ↓"))).Append("s").ToArray();
        var lines = Rows.Select(r => new[] { r.Method }
            .Concat(keys.Select(k => r.Metrics.GetValueOrDefault(k) is { } e ? FormattableString.Invariant($"{e.Value:F3} ± {e.Std:F3}") : "—"))
            .Append(r.Seconds.ToString("F1", CultureInfo.InvariantCulture)).ToArray()).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, lines.Count == 0 ? 0 : lines.Max(l => l[i].Length))).ToArray();
        var text = new StringBuilder();
        text.AppendLine(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var line in lines) text.AppendLine(string.Join("  ", line.Select((v, i) => v.PadRight(widths[i]))).TrimEnd());
        return text.ToString();
    }

    private static void Number(Utf8JsonWriter json, string name, double? value)
    {
        json.WritePropertyName(name);
        Value(json, value);
    }

    private static void Value(Utf8JsonWriter json, double? value)
    {
        if (value is double v && double.IsFinite(v)) json.WriteNumberValue(v);
        else json.WriteNullValue();
    }

    private static void Array(Utf8JsonWriter json, string name, IReadOnlyList<double> values)
    {
        json.WriteStartArray(name);
        foreach (double v in values) Value(json, v);
        json.WriteEndArray();
    }
}
