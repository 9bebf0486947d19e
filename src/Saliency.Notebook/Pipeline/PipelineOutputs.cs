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
        using var staging = new StagingFolder(directory);
        WriteAll(result, staging.Path);
        staging.Commit();
    }

    /// <summary>
    /// Runs <see cref="StreamingGlobalSaliency.Run"/> and writes its outputs into <paramref name="directory"/> as <see cref="Save"/> does,
    /// in memory that does not grow with N: latents.npy streamed during pass 1; gradcam.npy (N, L, D) and projections.npy (N, L, K)
    /// streamed during pass 2 only when asked (they hold N·L·D and N·L·K floats); then pca.json, labels.json, maps.npy, maps_norm.npy,
    /// combined.npy and summary.json. An error or a cancellation leaves the previous folder as it was and no staging folder behind.
    /// </summary>
    public static StreamingGlobalSaliencyResult SaveStreaming(ILatentEncoder model, IChunkedSeries source, string directory, PipelineOptions? options = null,
        Device? device = null, bool writeGradCam = false, bool writeProjections = false, IProgress<StreamingProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        options ??= new PipelineOptions();
        options.Validate(model.LatentDim);
        using var staging = new StagingFolder(directory);
        using var latents = new NpyStreamWriter(Path.Combine(staging.Path, "latents.npy"), model.LatentDim);
        using var gradCam = writeGradCam ? new NpyStreamWriter(Path.Combine(staging.Path, "gradcam.npy"), source.Length, model.LatentDim) : null;
        using var projections = writeProjections ? new NpyStreamWriter(Path.Combine(staging.Path, "projections.npy"), source.Length, options.Components) : null;
        var sinks = new StreamingSinks(latents.Append, gradCam is null ? null : gradCam.Append, projections is null ? null : projections.Append);
        var result = StreamingGlobalSaliency.Run(model, source, options, device, sinks, progress, cancellation);
        latents.Complete();
        gradCam?.Complete();
        projections?.Complete();
        WriteMaps(staging.Path, result.Maps, result.Combined(), result.Pca);
        var t = result.Timings;
        string[] files = ["latents.npy", .. writeGradCam ? new[] { "gradcam.npy" } : [], .. writeProjections ? new[] { "projections.npy" } : []];
        WriteJson(Path.Combine(staging.Path, "summary.json"), new
        {
            dataset = result.Dataset,
            device = result.Device,
            samples = result.Samples,
            length = result.Length,
            latent_dim = result.LatentDim,
            components = result.Maps.ComponentCount,
            layer = result.Options.Layer,
            gradcam_path = result.GradCamPath == GradCamPath.AffineHead ? "affine-head" : "general",
            affine_residual = result.AffineResidual,
            variant = result.Variant == MapVariant.TimeSeries ? "time-series" : "trajectories",
            grid = result.Options.GridSize,
            sigma = result.Options.Sigma,
            combination = result.Combination.ToString().ToLowerInvariant(),
            maps_index = MapsIndex(result.Variant),
            first_axis_range = new[] { result.Maps.FirstAxisEdges[0], result.Maps.FirstAxisEdges[^1] },
            second_axis_range = new[] { result.Maps.SecondAxisEdges[0], result.Maps.SecondAxisEdges[^1] },
            per_sample_files = files,
            timings_s = new
            {
                encode = t.EncodeSeconds, pca = t.PcaSeconds, gradcam = t.GradCamSeconds, projection = t.ProjectionSeconds,
                binning = t.BinningSeconds, maps = t.FinishSeconds, total = t.TotalSeconds,
            },
        });
        staging.Commit();
        return result;
    }

    private static void WriteAll(GlobalSaliencyResult result, string dir)
    {
        NpyWriter.Write(Path.Combine(dir, "latents.npy"), result.Latents);
        NpyWriter.Write(Path.Combine(dir, "gradcam.npy"), result.GradCam);
        NpyWriter.Write(Path.Combine(dir, "projections.npy"), result.Projections);
        WriteMaps(dir, result.Maps, result.Combined(), result.Pca);
        var maps = result.Maps;
        var t = result.Timings;
        WriteJson(Path.Combine(dir, "summary.json"), new
        {
            dataset = result.Dataset,
            device = result.Device,
            samples = result.Latents.shape[0],
            length = result.GradCam.shape[1],
            latent_dim = result.Latents.shape[1],
            components = maps.ComponentCount,
            layer = result.Options.Layer,
            variant = result.Variant == MapVariant.TimeSeries ? "time-series" : "trajectories",
            grid = result.Options.GridSize,
            sigma = result.Options.Sigma,
            combination = result.Combination.ToString().ToLowerInvariant(),
            maps_index = MapsIndex(result.Variant),
            first_axis_range = new[] { maps.FirstAxisEdges[0], maps.FirstAxisEdges[^1] },
            second_axis_range = new[] { maps.SecondAxisEdges[0], maps.SecondAxisEdges[^1] },
            timings_s = new
            {
                encode = t.EncodeSeconds, gradcam = t.GradCamSeconds, pca = t.PcaSeconds,
                projection = t.ProjectionSeconds, maps = t.MapsSeconds, total = t.TotalSeconds,
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

    /// <summary>Every name a pipeline output folder holds; a target holding anything else is not replaced (see <see cref="StagingFolder"/>).</summary>
    internal static readonly IReadOnlySet<string> OutputFileNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "latents.npy", "gradcam.npy", "projections.npy", "pca.json", "labels.json", "maps.npy", "maps_norm.npy", "combined.npy", "summary.json",
    };

    /// <summary>
    /// A hidden staging folder next to the target (<c>.NAME.partial-PID</c>). <see cref="Commit"/> moves it into place, replacing a
    /// previous folder as a whole; disposing it uncommitted deletes it. Staging folders left by runs whose process is gone (killed)
    /// are removed when the next run starts. Because the target is replaced as a whole, a target that holds anything a pipeline
    /// run does not write (the input data, say), or the current directory, is refused before anything runs.
    /// </summary>
    private sealed class StagingFolder : IDisposable
    {
        private readonly string _target;
        private bool _committed;

        public StagingFolder(string directory)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(directory);
            _target = System.IO.Path.GetFullPath(directory);
            EnsureReplaceable(_target);
            string parent = System.IO.Path.GetDirectoryName(_target)!;
            Directory.CreateDirectory(parent);
            string prefix = $".{System.IO.Path.GetFileName(_target)}.partial-";
            foreach (string stale in Directory.GetDirectories(parent, prefix + "*"))
                if (int.TryParse(System.IO.Path.GetFileName(stale)[prefix.Length..], out int pid) && !RunningProcess.IsRunning(pid))
                    Directory.Delete(stale, recursive: true);
            Path = System.IO.Path.Combine(parent, prefix + Environment.ProcessId);
            if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        private static void EnsureReplaceable(string target)
        {
            string trimmed = System.IO.Path.TrimEndingDirectorySeparator(target);
            string current = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(Environment.CurrentDirectory));
            if (System.IO.Path.GetDirectoryName(trimmed) is null)
                throw new ArgumentException($"The output folder {target} is a file system root; give a folder of its own.", nameof(target));
            if (current == trimmed || current.StartsWith(trimmed + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new ArgumentException($"The output folder {target} is the current directory or holds it, and it is replaced as a whole; give a folder of its own (e.g. out/pipeline).", nameof(target));
            if (File.Exists(trimmed))
                throw new IOException($"The output folder {target} is a file.");
            if (!Directory.Exists(trimmed)) return;
            var foreign = Directory.EnumerateFileSystemEntries(trimmed).Select(System.IO.Path.GetFileName)
                .Where(name => !OutputFileNames.Contains(name!)).Order(StringComparer.Ordinal).ToList();
            if (foreign.Count > 0)
                throw new IOException($"The output folder {target} holds {string.Join(", ", foreign.Take(5))}{(foreign.Count > 5 ? $" and {foreign.Count - 5} more" : "")}, " +
                    "which no pipeline run wrote; the folder is replaced as a whole, so give a new or empty folder, or one a previous pipeline run wrote.");
        }

        public void Commit()
        {
            string parent = System.IO.Path.GetDirectoryName(_target)!;
            if (Directory.Exists(_target))
            {
                string old = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(_target)}.old-{Environment.ProcessId}");
                Directory.Move(_target, old);
                Directory.Move(Path, _target);
                Directory.Delete(old, recursive: true);
            }
            else Directory.Move(Path, _target);
            _committed = true;
        }

        public void Dispose()
        {
            if (!_committed && Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        }
    }
}
