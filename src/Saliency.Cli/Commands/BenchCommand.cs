using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Saliency.Notebook.Benchmarks;
using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Models;
using Saliency.Notebook.Native;
using Saliency.Notebook.Training;
using TorchSharp;

namespace Saliency.Cli.Commands;

/// <summary><c>saliency bench</c>: GradCAM samples/s towards all latent dims, and the whole pipeline's time, per dataset.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var models = new Option<string?>("--models") { Description = "folder with one kit model per dataset (default: <repo root>/models); a dataset without one uses the paper's architecture, randomly initialised" };
        var checkpoint = new Option<string[]>("--checkpoint") { Description = "NAME=FILE: use this model (e.g. an original .ckpt) for dataset NAME", AllowMultipleArgumentsPerToken = true };
        var repeats = new Option<int>("--repeats") { Description = "timed runs per dataset (best and median reported)", DefaultValueFactory = _ => 5 };
        var batchSize = new Option<int?>("--batch-size") { Description = "rows per pass (samples × latent dims) (default: 1024 on a CPU, 16384 on CUDA)" };
        var device = new Option<string?>("--device") { Description = "auto, cpu, cuda or cuda:N" };
        var output = new Option<string?>("--out") { Description = "also write the results as JSON to this file" };
        var command = new Command("bench", "Benchmark |GradCAM| towards every latent dimension over each whole dataset, and the whole pipeline.")
        {
            models, checkpoint, repeats, batchSize, device, output,
        };
        var source = DataOptions.AddTo(command, many: true);
        command.SetAction(parse => CommandRunner.Run("bench", () =>
        {
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            string modelDir = parse.GetValue(models) ?? Path.Combine(DataPaths.FindRepoRoot(Environment.CurrentDirectory) ?? ".", "models");
            var overrides = (parse.GetValue(checkpoint) ?? []).Select(s => s.Split('=', 2))
                .ToDictionary(p => p.Length == 2 ? source.Canonical(parse, p[0]) : throw new ArgumentException($"--checkpoint takes NAME=FILE; got '{p[0]}'."), p => p[1]);
            var names = source.Names(parse);
            var results = new List<GradCamBenchmarkResult>();
            Console.WriteLine($"device {dev}, {torch.get_num_threads()} threads");
            foreach (string name in names)
            {
                using var ds = source.Load(parse, name);
                string? path = overrides.GetValueOrDefault(name) ?? (Directory.Exists(Path.Combine(modelDir, name)) ? Path.Combine(modelDir, name) : null);
                CVAE model;
                string description;
                if (path != null)
                {
                    var loaded = ModelStore.Load(path, ds.C, ds.L, name, dev);
                    model = loaded.Model;
                    description = path;
                }
                else
                {
                    torch.manual_seed(0);
                    model = new CVAE(TrainingPresets.For(ds.Info, ds.C, ds.L).Config); // the architecture `saliency train` would build
                    model.to(dev).eval();
                    description = "paper architecture, random weights";
                }
                using (model)
                {
                    var r = GradCamBenchmark.Run(model, description, ds, dev, parse.GetValue(repeats), parse.GetValue(batchSize));
                    results.Add(r);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{r.Dataset,-17} N={r.Samples,5} L={r.Length,3} D={r.LatentDim,2}  gradcam best {r.BestSeconds:F4} s (median {r.MedianSeconds:F4}) = {r.SamplesPerSecond,9:F0} samples/s   pipeline {r.PipelineSeconds:F3} s   [{r.Model}]"));
                }
            }
            if (parse.GetValue(output) is { } file)
                File.WriteAllText(file, JsonSerializer.Serialize(results.Select(r => new { r.Dataset, r.Device, r.Model, r.Samples, r.Length, r.LatentDim, r.Repeats, r.BestSeconds, r.MedianSeconds, r.SamplesPerSecond, r.PipelineSeconds }), new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }));
        return command;
    }
}
