using System.Text.Json;
using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.IO;
using Saliency.Notebook.Models;
using static TorchSharp.torch;

namespace Saliency.Notebook.Pipeline;

/// <summary>
/// Writes a <see cref="GlobalSaliencyResult"/> as the files of <c>saliency pipeline</c>: latents.npy (N,D), gradcam.npy (N,L,D),
/// pca.json, projections.npy (N,L,K), labels.json, maps.npy and maps_norm.npy (labels,K,G1,G2), combined.npy (K,G1,G2),
/// summary.json; or runs the streaming pipeline and writes the same files as it goes (<see cref="SaveStreaming"/>). Everything is
/// written into a staging folder first and moved into place at the end, so an interrupted run never leaves a half-written output folder.
/// </summary>
public static class PipelineOutputs
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes the outputs into <paramref name="directory"/>, replacing a previous run's folder as a whole.</summary>
    public static void Save(GlobalSaliencyResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var staging = StageOutput(directory);
        WriteAll(result, staging.Path);
        staging.ReplaceTarget();
    }

    /// <summary>
    /// Runs the engine (<see cref="StreamingGlobalSaliency"/>) and writes its outputs into <paramref name="directory"/> as <see cref="Save"/> does,
    /// in memory that does not grow with N: latents.npy streamed during pass 1; gradcam.npy (N, L, D) and projections.npy (N, L, K)
    /// streamed during pass 2 only when asked (they hold N·L·D and N·L·K floats); then pca.json, labels.json, maps.npy, maps_norm.npy,
    /// combined.npy and summary.json. An error or a cancellation leaves the previous folder as it was and no staging folder behind.
    /// </summary>
    public static GlobalMapsRun SaveStreaming(ILatentEncoder model, IChunkedSeries source, string directory, PipelineOptions? options = null,
        Device? device = null, bool writeGradCam = false, bool writeProjections = false, IProgress<StreamingProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        options ??= new PipelineOptions();
        options.Validate(model.LatentDim);
        using var staging = StageOutput(directory);
        using var latents = new NpyStreamWriter(Path.Combine(staging.Path, "latents.npy"), model.LatentDim);
        using var gradCam = writeGradCam ? new NpyStreamWriter(Path.Combine(staging.Path, "gradcam.npy"), source.Length, model.LatentDim) : null;
        using var projections = writeProjections ? new NpyStreamWriter(Path.Combine(staging.Path, "projections.npy"), source.Length, options.Components) : null;
        var sinks = new StreamingSinks(latents.Append, gradCam is null ? null : gradCam.Append, projections is null ? null : projections.Append);
        var result = StreamingGlobalSaliency.Run(model, source, options, device, sinks, progress, cancellation);
        latents.Complete();
        gradCam?.Complete();
        projections?.Complete();
        string[] files = ["latents.npy", .. writeGradCam ? new[] { "gradcam.npy" } : [], .. writeProjections ? new[] { "projections.npy" } : []];
        WriteRun(staging.Path, result, files);
        staging.ReplaceTarget();
        return result;
    }

    /// <summary>
    /// Writes a merged sharded run (<see cref="ShardedGlobalSaliency.Merge"/>) into <paramref name="directory"/> as <see cref="SaveStreaming"/>
    /// writes a one-machine run: <paramref name="writeLatents"/> writes latents.npy at the path it is given, then the maps and summary.
    /// </summary>
    internal static void SaveMerged(GlobalMapsRun run, string directory, Action<string> writeLatents)
    {
        using var staging = StageOutput(directory);
        writeLatents(Path.Combine(staging.Path, "latents.npy"));
        WriteRun(staging.Path, run, ["latents.npy"]);
        staging.ReplaceTarget();
    }

    private static void WriteAll(GlobalSaliencyResult result, string dir)
    {
        NpyWriter.Write(Path.Combine(dir, "latents.npy"), result.Latents);
        NpyWriter.Write(Path.Combine(dir, "gradcam.npy"), result.GradCam);
        NpyWriter.Write(Path.Combine(dir, "projections.npy"), result.Projections);
        WriteRun(dir, result.Run, ["latents.npy", "gradcam.npy", "projections.npy"]);
    }

    /// <summary>The version of <c>summary.json</c>'s schema; raise it when a key changes meaning or goes.</summary>
    public const int SummarySchemaVersion = 2;

    /// <summary>
    /// The files every run writes from its <see cref="GlobalMapsRun"/>, whoever ran it (the engine streaming, or the in-memory run):
    /// the maps, pca.json, labels.json and the one summary.json, which lists <paramref name="perSampleFiles"/>.
    /// </summary>
    private static void WriteRun(string dir, GlobalMapsRun run, string[] perSampleFiles)
    {
        WriteMaps(dir, run.Maps, run.Combined(), run.Pca);
        var t = run.Timings;
        WriteJson(Path.Combine(dir, "summary.json"), new
        {
            schema_version = SummarySchemaVersion,
            dataset = run.Dataset,
            device = run.Device,
            samples = run.Samples,
            length = run.Length,
            latent_dim = run.LatentDim,
            components = run.Maps.ComponentCount,
            layer = run.Options.Layer,
            gradcam_path = run.GradCamPath == GradCamPath.AffineHead ? "affine-head" : "general",
            affine_residual = run.AffineResidual,
            variant = run.Variant == MapVariant.TimeSeries ? "time-series" : "trajectories",
            grid = run.Options.GridSize,
            sigma = run.Options.Sigma,
            combination = run.Combination.ToString().ToLowerInvariant(),
            maps_index = MapsIndex(run.Variant),
            first_axis_range = new[] { run.Maps.FirstAxisEdges[0], run.Maps.FirstAxisEdges[^1] },
            second_axis_range = new[] { run.Maps.SecondAxisEdges[0], run.Maps.SecondAxisEdges[^1] },
            per_sample_files = perSampleFiles,
            // maps: binning and finishing together, the notebook's step 5 (version 1 of the schema meant the finishing alone when streamed).
            timings_s = new
            {
                encode = t.EncodeSeconds, pca = t.PcaSeconds, gradcam = t.GradCamSeconds, projection = t.ProjectionSeconds,
                binning = t.BinningSeconds, finish = t.FinishSeconds, maps = t.MapsSeconds, total = t.TotalSeconds,
            },
        });
    }

    private static void WriteMaps(string dir, GlobalSaliencyMap maps, double[,,] combined, LatentPca pca)
    {
        int labels = maps.Labels.Count, k = maps.ComponentCount, g1 = maps.Raw.GetLength(2), g2 = maps.Raw.GetLength(3);
        NpyWriter.Write(Path.Combine(dir, "maps.npy"), ToSingle(maps.Raw), labels, k, g1, g2);
        NpyWriter.Write(Path.Combine(dir, "maps_norm.npy"), ToSingle(maps.Normalised), labels, k, g1, g2);
        NpyWriter.Write(Path.Combine(dir, "combined.npy"), ToSingle(combined), k, g1, g2);
        WriteJson(Path.Combine(dir, "pca.json"), new
        {
            components = ToJagged(pca.Components),
            explained_variance = pca.ExplainedVariance,
            explained_variance_ratio = pca.ExplainedVarianceRatio,
            singular_values = pca.SingularValues,
            mean = pca.Mean,
            n_samples = pca.SampleCount,
            sign_convention = "scikit-learn svd_flip(u_based_decision=False): the largest-|value| entry of each component is positive",
        });
        WriteJson(Path.Combine(dir, "labels.json"), maps.Labels);
    }

    private static string MapsIndex(MapVariant variant) =>
        variant == MapVariant.TimeSeries ? "[label, component, time bin, value bin]" : "[label, component, x bin, y bin]";

    private static void WriteJson(string path, object value) => AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(value, Json));

    private static float[] ToSingle(Array values)
    {
        var result = new float[values.Length];
        int i = 0;
        foreach (double v in values) result[i++] = (float)v;
        return result;
    }

    private static double[][] ToJagged(double[,] matrix) =>
        Enumerable.Range(0, matrix.GetLength(0))
            .Select(r => Enumerable.Range(0, matrix.GetLength(1)).Select(c => matrix[r, c]).ToArray())
            .ToArray();

    /// <summary>Every name a pipeline output folder holds; a target holding anything else is not replaced (see <see cref="StageOutput"/>).</summary>
    internal static readonly IReadOnlySet<string> OutputFileNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "latents.npy", "gradcam.npy", "projections.npy", "pca.json", "labels.json", "maps.npy", "maps_norm.npy", "combined.npy", "summary.json",
    };

    /// <summary>A staging folder for a pipeline output folder, which is replaced as a whole: refused when that would lose anything no pipeline run wrote.</summary>
    private static StagingFolder StageOutput(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        string current = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Environment.CurrentDirectory));
        if (Path.GetDirectoryName(target) is null)
            throw new ArgumentException($"The output folder {directory} is a file system root; give a folder of its own.", nameof(directory));
        if (current == target || current.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"The output folder {directory} is the current directory or holds it, and it is replaced as a whole; give a folder of its own (e.g. out/pipeline).", nameof(directory));
        if (File.Exists(target))
            throw new IOException($"The output folder {directory} is a file.");
        if (Directory.Exists(target))
        {
            var foreign = Directory.EnumerateFileSystemEntries(target).Select(Path.GetFileName)
                .Where(name => !OutputFileNames.Contains(name!)).Order(StringComparer.Ordinal).ToList();
            if (foreign.Count > 0)
                throw new IOException($"The output folder {directory} holds {string.Join(", ", foreign.Take(5))}{(foreign.Count > 5 ? $" and {foreign.Count - 5} more" : "")}, " +
                    "which no pipeline run wrote; the folder is replaced as a whole, so give a new or empty folder, or one a previous pipeline run wrote.");
        }
        return new StagingFolder(target);
    }
}
