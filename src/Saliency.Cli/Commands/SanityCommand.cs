using System.CommandLine;
using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using Saliency.Notebook.Native;
using Saliency.Notebook.SanityChecks;

namespace Saliency.Cli.Commands;

/// <summary><c>saliency sanity</c>: runs one sanity check of the saliency maps and writes its result.json.</summary>
public static class SanityCommand
{
    public static Command Create()
    {
        var check = new Option<string>("--check") { Description = $"the check: {string.Join(", ", SanityCheckRegistry.All.Select(c => c.Name))}", Required = true };
        var checkpoint = new Option<string>("--checkpoint") { Description = "a kit model folder or an original Lightning .ckpt", Required = true };
        var baseline = new Option<string?>("--baseline-checkpoint") { Description = "second model of a two-model check (flyover-models: the landing-only model)" };
        var output = new Option<string>("--out") { Description = "output folder for result.json", Required = true };
        var method = new Option<string[]>("--method") { Description = $"method(s): {string.Join(", ", MethodRegistry.Names)} (default: the check's own)", AllowMultipleArgumentsPerToken = true };
        var label = new Option<string[]>("--label")
        {
            Description = $"restrict a per-class check ({string.Join(", ", SanityCheckRegistry.All.Where(c => c.IsPerClass).Select(c => c.Name))}) to these labels (default: every class)",
            AllowMultipleArgumentsPerToken = true,
        };
        var seed = new Option<long>("--seed") { Description = "seed of the check's random choices", DefaultValueFactory = _ => 42 };
        var batchSize = new Option<int?>("--batch-size") { Description = "rows per forward/backward pass (default: 1024 on a CPU, 16384 on CUDA)" };
        var layer = new Option<string>("--layer") { Description = "GradCAM layer (gradcam only)", DefaultValueFactory = _ => MethodSettings.Default.Layer };
        var device = new Option<string?>("--device") { Description = "auto, cpu, cuda or cuda:N" };
        var command = new Command("sanity", "Sanity checks of the saliency maps (masking, randomisation, translation, corruption, ...); writes result.json.")
        {
            check, checkpoint, baseline, output, method, label, seed, batchSize, layer, device,
        };
        var source = DataOptions.AddTo(command);
        command.SetAction(parse => CommandRunner.Run("sanity", () =>
        {
            var sanityCheck = SanityCheckRegistry.Get(parse.GetValue(check)!);
            string[] methods = parse.GetValue(method) ?? [];
            if (parse.GetResult(layer) is { Implicit: false } && methods.Length > 0 && !methods.Any(m => MethodRegistry.Get(m) == MethodRegistry.GradCam))
                throw new ArgumentException($"--layer does not apply to --method {string.Join(", ", methods)}: only gradcam takes a layer.");
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            using var ds = source.Load(parse);
            string? baselinePath = parse.GetValue(baseline);
            if (sanityCheck.NeedsBaselineModel && baselinePath is null)
                throw new ArgumentException($"check '{sanityCheck.Name}' compares two models: give --baseline-checkpoint.");
            using var loaded = ModelStore.Load(parse.GetValue(checkpoint)!, ds.C, ds.L, ds.Info.Name, dev);
            using var baselineModel = baselinePath is null ? null : ModelStore.Load(baselinePath, ds.C, ds.L, ds.Info.Name, dev);
            var result = sanityCheck.Run(new SanityCheckInputs
            {
                Model = loaded,
                BaselineModel = baselineModel,
                Data = SanityData.From(ds),
                Methods = methods,
                Labels = parse.GetValue(label) ?? [],
                Seed = parse.GetValue(seed),
                BatchSize = parse.GetValue(batchSize) ?? LatentExplainer.DefaultBatchSizeFor(dev),
                Settings = MethodSettings.Default with { Layer = parse.GetValue(layer)! },
                Device = dev,
            });
            string path = result.Save(parse.GetValue(output)!);
            Console.Write(result.SummaryText());
            Console.WriteLine($"wrote {path}");
            return 0;
        }));
        return command;
    }
}
