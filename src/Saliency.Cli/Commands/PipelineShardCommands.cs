using System.CommandLine;
using System.Globalization;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.IO;
using Saliency.Notebook.Models;
using Saliency.Notebook.Native;
using Saliency.Notebook.Pipeline;
using Spectre.Console;

namespace Saliency.Cli.Commands;

/// <summary>
/// <c>saliency pipeline moments|fit|maps|merge</c>: the global maps as shards a scheduler runs (docs/scale-out.md). Each shard's pass writes
/// a small partial; <c>fit</c> and <c>merge</c> combine them exactly into the files of a one-machine <c>saliency pipeline</c>.
/// </summary>
public static class PipelineShardCommands
{
    private const string ShardHelp = "I/N: shard I (1..N) of N; auto reads the scheduler's index (SLURM_ARRAY_TASK_ID, or JOB_COMPLETION_INDEX with auto/N)";

    /// <summary><c>saliency pipeline moments</c>: pass 1 of one shard.</summary>
    public static Command Moments()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "a kit model folder or an original Lightning .ckpt", Required = true };
        var shard = new Option<string>("--shard") { Description = ShardHelp, Required = true };
        var output = new Option<string>("--out") { Description = "the partials folder (shared by all shards): moments-I-of-N.npz and latents-I-of-N.npy go there", Required = true };
        var components = new Option<int>("--components") { Description = "principal components K", DefaultValueFactory = _ => 2 };
        var grid = new Option<int>("--grid") { Description = "bins per map axis", DefaultValueFactory = _ => 200 };
        var sigma = new Option<double>("--sigma") { Description = "Gaussian filter sigma in bins", DefaultValueFactory = _ => 5.0 };
        var layer = new Option<string>("--layer") { Description = "hooked encoder layer", DefaultValueFactory = _ => GradCam.PaperLayer };
        var variant = new Option<string?>("--variant") { Description = "time-series or trajectories (default: the dataset's own)" };
        var (batchSize, device) = WorkerOptions();
        var command = new Command("moments", "Pass 1 of one shard: the posterior means of its rows, their count, mean and centred scatter, labels and value ranges, as a partial for 'pipeline fit'.")
        {
            checkpoint, shard, output, components, grid, sigma, layer, variant, batchSize, device,
        };
        var source = DataOptions.AddTo(command);
        command.SetAction(parse => CommandRunner.Run("pipeline moments", () =>
        {
            var part = DataShard.Parse(parse.GetValue(shard)!);
            var options = new PipelineOptions
            {
                Components = parse.GetValue(components), GridSize = parse.GetValue(grid), Sigma = parse.GetValue(sigma), Layer = parse.GetValue(layer)!,
                BatchSize = parse.GetValue(batchSize), Variant = PipelineCommand.ParseVariant(parse.GetValue(variant)),
            };
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            var (series, owner) = source.LoadChunked(parse);
            using var data = owner;
            using var loaded = ModelStore.Load(parse.GetValue(checkpoint)!, series.Channels, series.Length, series.Name, dev);
            return Cancellable("pipeline moments", $"shard {part}: pass 1/2, encoding", (progress, token) =>
            {
                var result = ShardedGlobalSaliency.Moments(loaded, series, part, parse.GetValue(output)!, options, dev, progress, token);
                Report(result);
            });
        }));
        return command;
    }

    /// <summary><c>saliency pipeline fit</c>: the moments of every shard merged into the PCA and the bin edges.</summary>
    public static Command Fit()
    {
        var partials = new Option<string[]>("--partials") { Description = "the folder(s) holding every shard's moments-I-of-N.npz", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "the fit file to write (e.g. fit.json), which 'pipeline maps' and 'pipeline merge' read", Required = true };
        var command = new Command("fit", "Merges the shards' moments (exactly: Chan et al.'s pairwise update) into the PCA of all latents, the labels and the bin edges.") { partials, output };
        command.SetAction(parse => CommandRunner.Run("pipeline fit", () =>
        {
            var fit = ShardedGlobalSaliency.Fit(parse.GetValue(partials)!, parse.GetValue(output)!);
            var ratios = string.Join(" / ", fit.Pca.ExplainedVarianceRatio.Select(r => r.ToString("F6", CultureInfo.InvariantCulture)));
            Console.WriteLine($"{fit.Shards} shards, N={fit.Samples:N0}, labels {string.Join(", ", fit.Labels)}, {(fit.GradCamPath == GradCamPath.AffineHead ? "affine head" : "general GradCAM path")}; explained variance ratio {ratios}");
            Console.WriteLine($"wrote {fit.Path}");
        }));
        return command;
    }

    /// <summary><c>saliency pipeline maps</c>: pass 2 of one shard.</summary>
    public static Command Maps()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "the model of the first pass", Required = true };
        var fit = new Option<string>("--fit") { Description = "the fit file 'pipeline fit' wrote", Required = true };
        var shard = new Option<string>("--shard") { Description = ShardHelp, Required = true };
        var output = new Option<string>("--out") { Description = "the partials folder: maps-I-of-N.npz goes there", Required = true };
        var (batchSize, device) = WorkerOptions();
        var command = new Command("maps", "Pass 2 of one shard: |GradCAM| towards every latent dimension, projected on the fit's components and binned with its edges, as a partial for 'pipeline merge'.")
        {
            checkpoint, fit, shard, output, batchSize, device,
        };
        var source = DataOptions.AddTo(command);
        command.SetAction(parse => CommandRunner.Run("pipeline maps", () =>
        {
            var part = DataShard.Parse(parse.GetValue(shard)!);
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            var (series, owner) = source.LoadChunked(parse);
            using var data = owner;
            using var loaded = ModelStore.Load(parse.GetValue(checkpoint)!, series.Channels, series.Length, series.Name, dev);
            return Cancellable("pipeline maps", $"shard {part}: pass 2/2, |GradCAM| → maps", (progress, token) =>
            {
                var result = ShardedGlobalSaliency.Maps(loaded, series, parse.GetValue(fit)!, part, parse.GetValue(output)!, dev, parse.GetValue(batchSize), progress, token);
                Report(result);
            });
        }));
        return command;
    }

    /// <summary><c>saliency pipeline merge</c>: the shards' bin sums and counts added into the maps.</summary>
    public static Command Merge()
    {
        var fit = new Option<string>("--fit") { Description = "the fit file 'pipeline fit' wrote", Required = true };
        var partials = new Option<string[]>("--partials") { Description = "the folder(s) holding every shard's maps-I-of-N.npz and latents-I-of-N.npy", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "output folder (replaced as a whole when the merge succeeds): the files of 'saliency pipeline'", Required = true };
        var command = new Command("merge", "Adds the shards' bin sums and counts, finishes the maps and writes the files a one-machine 'saliency pipeline' writes.") { fit, partials, output };
        command.SetAction(parse => CommandRunner.Run("pipeline merge", () =>
        {
            string outDir = parse.GetValue(output)!;
            var run = ShardedGlobalSaliency.Merge(parse.GetValue(fit)!, parse.GetValue(partials)!, outDir);
            var t = run.Timings;
            Console.WriteLine($"{run.Dataset}: N={run.Samples:N0}, L={run.Length}, D={run.LatentDim}, K={run.Pca.ComponentCount} on {run.Device}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"worker seconds, all shards: encode {t.EncodeSeconds:F3}, gradcam {t.GradCamSeconds:F3}, projection {t.ProjectionSeconds:F3}, binning {t.BinningSeconds:F3}; fit {t.PcaSeconds:F3}; merge {t.FinishSeconds:F3}"));
            Console.WriteLine($"wrote {Path.GetFullPath(outDir)}");
        }));
        return command;
    }

    private static (Option<int?> BatchSize, Option<string?> Device) WorkerOptions() =>
        (new Option<int?>("--batch-size") { Description = "rows per pass (samples × latent dims) (default: 1024 on a CPU, 16384 on CUDA)" },
         new Option<string?>("--device") { Description = "auto, cpu, cuda or cuda:N (one device per shard)" });

    private static void Report(ShardPartial result) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"shard {result.Shard}: {result.Rows:N0} rows in {result.Seconds:F2} s; wrote {result.Path} ({result.Bytes:N0} bytes)"));

    /// <summary>A shard's pass with a status line; stopped (Ctrl+C, a scheduler's SIGTERM) it writes no partial, so the shard is simply run again.</summary>
    private static int Cancellable(string name, string title, Action<IProgress<StreamingProgress>, CancellationToken> body) =>
        PipelineCommand.Streaming(name, "no partial was written; run the shard again.",
            p => string.Create(CultureInfo.InvariantCulture, $"{title} {p.Done:N0}{(p.Total is long total ? $"/{total:N0}" : "")}"), body);
}
