using System.CommandLine;
using System.Globalization;
using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
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
        var command = new Command("pipeline", "Encode, |GradCAM| towards every latent dim, PCA, projection and binned global maps per label and component.")
        {
            checkpoint, output, components, grid, sigma, layer, variant, batchSize, device,
        };
        var source = DataOptions.AddTo(command);
        command.SetAction(parse => CommandRunner.Run("pipeline", () =>
        {
            var options = new PipelineOptions
            {
                Components = parse.GetValue(components), GridSize = parse.GetValue(grid), Sigma = parse.GetValue(sigma),
                Layer = parse.GetValue(layer)!, BatchSize = parse.GetValue(batchSize), Variant = ParseVariant(parse.GetValue(variant)),
            };
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            using var ds = source.Load(parse);
            using var loaded = ModelStore.Load(parse.GetValue(checkpoint)!, ds.C, ds.L, ds.Info.Name, dev);
            string outDir = parse.GetValue(output)!;
            GlobalSaliencyResult result = null!;
            AnsiConsole.Status().Start("encoding", status =>
            {
                result = GlobalSaliencyPipeline.Run(loaded.Model, ds, options, dev,
                    new Progress<string>(stage => status.Status(stage)));
                status.Status("writing");
                PipelineOutputs.Save(result, outDir);
            });
            using (result)
            {
                var t = result.Timings;
                var ratios = string.Join(" / ", result.Pca.ExplainedVarianceRatio.Select(r => r.ToString("F6", CultureInfo.InvariantCulture)));
                Console.WriteLine($"{ds.Info.Name}: N={ds.N}, L={ds.L}, D={loaded.Model.LatentDim}, K={options.Components} on {result.Device}; explained variance ratio {ratios}");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"timings (s): encode {t.EncodeSeconds:F3}, gradcam {t.GradCamSeconds:F3}, pca {t.PcaSeconds:F3}, projection {t.ProjectionSeconds:F3}, maps {t.MapsSeconds:F3}, total {t.TotalSeconds:F3}"));
                Console.WriteLine($"wrote {Path.GetFullPath(outDir)}");
            }
            return 0;
        }));
        return command;
    }

    private static MapVariant? ParseVariant(string? value) => value?.ToLowerInvariant() switch
    {
        null => null,
        "time-series" or "timeseries" => MapVariant.TimeSeries,
        "trajectories" or "trajectory" => MapVariant.Trajectories,
        _ => throw new ArgumentException($"--variant must be time-series or trajectories; got '{value}'."),
    };
}
