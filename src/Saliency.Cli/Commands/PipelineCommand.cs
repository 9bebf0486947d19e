using System.CommandLine;
using System.Globalization;
using Saliency.Notebook.Data;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.IO;
using Saliency.Notebook.Models;
using Saliency.Notebook.Native;
using Saliency.Notebook.Pipeline;
using Spectre.Console;

namespace Saliency.Cli.Commands;

/// <summary><c>saliency pipeline</c>: the paper's global saliency maps for one model and dataset, written as .npy/.json files.</summary>
public static class PipelineCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "a kit model folder or an original Lightning .ckpt", Required = true };
        var output = new Option<string>("--out") { Description = "output folder (replaced as a whole when the run succeeds)", Required = true };
        var components = new Option<int>("--components") { Description = "principal components K", DefaultValueFactory = _ => 2 };
        var grid = new Option<int>("--grid") { Description = "bins per map axis", DefaultValueFactory = _ => 200 };
        var sigma = new Option<double>("--sigma") { Description = "Gaussian filter sigma in bins", DefaultValueFactory = _ => 5.0 };
        var layer = new Option<string>("--layer") { Description = "hooked encoder layer", DefaultValueFactory = _ => GradCam.PaperLayer };
        var variant = new Option<string?>("--variant") { Description = "time-series or trajectories (default: the dataset's own)" };
        var batchSize = new Option<int?>("--batch-size") { Description = "rows per pass (samples × latent dims) (default: 1024 on a CPU, 16384 on CUDA)" };
        var device = new Option<string?>("--device") { Description = "auto, cpu, cuda or cuda:N" };
        var saveGradCam = new Option<bool>("--save-gradcam") { Description = "also write gradcam.npy (N, L, D): N·L·D floats, streamed to disk chunk by chunk" };
        var saveProjections = new Option<bool>("--save-projections") { Description = "also write projections.npy (N, L, K), streamed to disk chunk by chunk" };
        var command = new Command("pipeline", "Encode, |GradCAM| towards every latent dim, PCA, projection and binned global maps per label and component, chunk by chunk in memory that does not grow with N.")
        {
            checkpoint, output, components, grid, sigma, layer, variant, batchSize, device, saveGradCam, saveProjections,
        };
        command.Subcommands.Add(PipelineShardCommands.Moments());
        command.Subcommands.Add(PipelineShardCommands.Fit());
        command.Subcommands.Add(PipelineShardCommands.Maps());
        command.Subcommands.Add(PipelineShardCommands.Merge());
        var source = DataOptions.AddTo(command);
        command.SetAction(parse => CommandRunner.Run("pipeline", () =>
        {
            var options = new PipelineOptions
            {
                Components = parse.GetValue(components), GridSize = parse.GetValue(grid), Sigma = parse.GetValue(sigma),
                Layer = parse.GetValue(layer)!, BatchSize = parse.GetValue(batchSize), Variant = ParseVariant(parse.GetValue(variant)),
            };
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            var (series, owner) = source.LoadChunked(parse);
            using var data = owner;
            using var loaded = ModelStore.Load(parse.GetValue(checkpoint)!, series.Channels, series.Length, series.Name, dev);
            string outDir = parse.GetValue(output)!;
            GlobalMapsRun result = null!;
            int code = Streaming("pipeline", $"{Path.GetFullPath(outDir)} was left as it was.", p => p.Total is long total
                ? string.Create(CultureInfo.InvariantCulture, $"{(p.Pass == "encode" ? "pass 1/2: encoding" : "pass 2/2: |GradCAM| → maps")} {p.Done:N0}/{total:N0}")
                : string.Create(CultureInfo.InvariantCulture, $"{p.Pass} {p.Done:N0}"),
                (progress, token) => result = PipelineOutputs.SaveStreaming(loaded, series, outDir, options, dev, parse.GetValue(saveGradCam), parse.GetValue(saveProjections),
                    progress, token));
            if (code != 0) return code;
            var t = result.Timings;
            var ratios = string.Join(" / ", result.Pca.ExplainedVarianceRatio.Select(r => r.ToString("F6", CultureInfo.InvariantCulture)));
            Console.WriteLine($"{result.Dataset}: N={result.Samples}, L={result.Length}, D={result.LatentDim}, K={options.Components} on {result.Device} ({(result.GradCamPath == GradCamPath.AffineHead ? "affine head: ∂z/∂A computed once" : "general GradCAM path")}); explained variance ratio {ratios}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"timings (s): encode {t.EncodeSeconds:F3}, pca {t.PcaSeconds:F3}, gradcam {t.GradCamSeconds:F3}, projection {t.ProjectionSeconds:F3}, binning {t.BinningSeconds:F3}, maps {t.FinishSeconds:F3}, total {t.TotalSeconds:F3}"));
            Console.WriteLine($"wrote {Path.GetFullPath(outDir)}");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Runs a streaming pass with a status line until it ends or SIGINT / SIGTERM stops it (Ctrl+C, or a scheduler's time limit or
    /// cancel), checked between chunks: then one line, <paramref name="stoppedNote"/>, and the shell's code (130 or 143).
    /// </summary>
    internal static int Streaming(string command, string stoppedNote, Func<StreamingProgress, string> describe, Action<IProgress<StreamingProgress>, CancellationToken> body)
    {
        using var signals = new TerminationSignals();
        try
        {
            AnsiConsole.Status().Start("starting", status => body(new SynchronousProgress<StreamingProgress>(p => status.Status(describe(p))), signals.Token));
            return 0;
        }
        catch (OperationCanceledException) when (signals.Received is not null)
        {
            Console.Error.WriteLine($"saliency {command}: stopped by {signals.Received}; {stoppedNote}");
            return signals.ExitCode;
        }
    }

    internal static MapVariant? ParseVariant(string? value) => value?.ToLowerInvariant() switch
    {
        null => null,
        "time-series" or "timeseries" => MapVariant.TimeSeries,
        "trajectories" or "trajectory" => MapVariant.Trajectories,
        _ => throw new ArgumentException($"--variant must be time-series or trajectories; got '{value}'."),
    };
}
