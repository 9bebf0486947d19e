using System.Text.Json;
using Saliency.Notebook.Data.Npy;

namespace Saliency.Notebook.Pipeline;

/// <summary>
/// Writes a <see cref="GlobalSaliencyResult"/> as the files of <c>saliency pipeline</c>: latents.npy (N,D), gradcam.npy (N,L,D),
/// pca.json, projections.npy (N,L,K), labels.json, maps.npy and maps_norm.npy (labels,K,G1,G2), combined.npy (K,G1,G2),
/// summary.json. Everything is written into a staging folder first and moved into place at the end, so an interrupted
/// run never leaves a half-written output folder.
/// </summary>
public static class PipelineOutputs
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes the outputs into <paramref name="directory"/>, replacing a previous run's folder as a whole.</summary>
    public static void Save(GlobalSaliencyResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        string target = Path.GetFullPath(directory);
        string parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        string staging = Path.Combine(parent, $".{Path.GetFileName(target)}.partial-{Environment.ProcessId}");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            WriteAll(result, staging);
            if (Directory.Exists(target))
            {
                string old = Path.Combine(parent, $".{Path.GetFileName(target)}.old-{Environment.ProcessId}");
                Directory.Move(target, old);
                Directory.Move(staging, target);
                Directory.Delete(old, recursive: true);
            }
            else Directory.Move(staging, target);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    private static void WriteAll(GlobalSaliencyResult result, string dir)
    {
        NpyWriter.Write(Path.Combine(dir, "latents.npy"), result.Latents);
        NpyWriter.Write(Path.Combine(dir, "gradcam.npy"), result.GradCam);
        NpyWriter.Write(Path.Combine(dir, "projections.npy"), result.Projections);
        var maps = result.Maps;
        int labels = maps.Labels.Count, k = maps.ComponentCount, g1 = maps.Raw.GetLength(2), g2 = maps.Raw.GetLength(3);
        NpyWriter.Write(Path.Combine(dir, "maps.npy"), ToSingle(maps.Raw), labels, k, g1, g2);
        NpyWriter.Write(Path.Combine(dir, "maps_norm.npy"), ToSingle(maps.Normalised), labels, k, g1, g2);
        NpyWriter.Write(Path.Combine(dir, "combined.npy"), ToSingle(result.Combined()), k, g1, g2);
        var pca = result.Pca;
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
        var t = result.Timings;
        WriteJson(Path.Combine(dir, "summary.json"), new
        {
            dataset = result.Dataset,
            device = result.Device,
            samples = result.Latents.shape[0],
            length = result.GradCam.shape[1],
            latent_dim = result.Latents.shape[1],
            components = k,
            layer = result.Options.Layer,
            variant = result.Variant == MapVariant.TimeSeries ? "time-series" : "trajectories",
            grid = result.Options.GridSize,
            sigma = result.Options.Sigma,
            combination = result.Combination.ToString().ToLowerInvariant(),
            maps_index = result.Variant == MapVariant.TimeSeries
                ? "[label, component, time bin, value bin]"
                : "[label, component, x bin, y bin]",
            first_axis_range = new[] { maps.FirstAxisEdges[0], maps.FirstAxisEdges[^1] },
            second_axis_range = new[] { maps.SecondAxisEdges[0], maps.SecondAxisEdges[^1] },
            timings_s = new
            {
                encode = t.EncodeSeconds, gradcam = t.GradCamSeconds, pca = t.PcaSeconds,
                projection = t.ProjectionSeconds, maps = t.MapsSeconds, total = t.TotalSeconds,
            },
        });
    }

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
}
