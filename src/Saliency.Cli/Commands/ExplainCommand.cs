using System.CommandLine;
using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using Saliency.Notebook.Native;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Cli.Commands;

/// <summary><c>saliency explain</c>: one explainer over a whole dataset, written as a float32 .npy.</summary>
public static class ExplainCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "a kit model folder or an original Lightning .ckpt", Required = true };
        var method = new Option<string>("--method") { Description = string.Join("|", MethodRegistry.Names), Required = true };
        var output = new Option<string>("--out") { Description = "output .npy: (N, L, D) for gradcam/gradslam; (N, L, C) for input attributions, the L2 norm over latent dims (Fourier IG: (N, L/2+1, C) frequency bins)", Required = true };
        var layer = new Option<string>("--layer") { Description = "hooked layer (gradcam only)", DefaultValueFactory = _ => MethodSettings.Default.Layer };
        var mode = new Option<string>("--mode") { Description = "abs (the paper), signed (Grad-SLAM) or relu (Grad-CAM); gradcam only", DefaultValueFactory = _ => MethodSettings.Default.Mode.ToString().ToLowerInvariant() };
        var steps = new Option<int>("--steps") { Description = "integration steps (ig and fourier-ig only)", DefaultValueFactory = _ => MethodSettings.Default.Steps };
        var batchSize = new Option<int?>("--batch-size") { Description = "rows per model pass (default: 1024 on a CPU, 16384 on CUDA)" };
        var device = new Option<string?>("--device") { Description = "auto, cpu, cuda or cuda:N" };
        var command = new Command("explain", "Attributions of the posterior mean towards every latent dimension for a whole dataset.")
        {
            checkpoint, method, output, layer, mode, steps, batchSize, device,
        };
        var source = DataOptions.AddTo(command);
        command.SetAction(parse => CommandRunner.Run("explain", () =>
        {
            CamMode camMode = parse.GetValue(mode)!.ToLowerInvariant() switch
            {
                "abs" => CamMode.Abs, "signed" => CamMode.Signed, "relu" => CamMode.Relu,
                var other => throw new ArgumentException($"--mode must be abs, signed or relu; got '{other}'."),
            };
            var choice = MethodRegistry.Get(parse.GetValue(method)!);
            RefuseSettingsTheMethodIgnores(parse, choice, layer, mode, steps);
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            using var ds = source.Load(parse);
            using var loaded = ModelStore.Load(parse.GetValue(checkpoint)!, ds.C, ds.L, ds.Info.Name, dev);
            var settings = new MethodSettings { Layer = parse.GetValue(layer)!, Mode = camMode, Steps = parse.GetValue(steps) };
            bool complexStep = choice == MethodRegistry.ComplexStep;
            if (complexStep) loaded.Model.to(ScalarType.Float64); // complex-step derivatives are exact only in double precision
            string description = choice.Describe(settings);
            Tensor result = null!;
            AnsiConsole.Status().Start($"{description} on {ds.Info.Name} ({ds.N} samples, {dev})", _ =>
            {
                using var scope = torch.NewDisposeScope();
                using var x = (complexStep ? ds.X.to(ScalarType.Float64) : ds.X).to(dev);
                using var attribution = choice.Create(loaded, settings).Attribute(x, batchSize: parse.GetValue(batchSize));
                result = attribution.PerInputCell().to(ScalarType.Float32).cpu().MoveToOuterDisposeScope();
            });
            using (result)
            {
                NpyWriter.Write(parse.GetValue(output)!, result);
                Console.WriteLine($"{description}: wrote {Path.GetFullPath(parse.GetValue(output)!)} float32 ({string.Join(", ", result.shape)})");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>An option given for a method that does not use it is an error, not silently ignored: --layer/--mode are GradCAM's, --steps the IGs'.</summary>
    private static void RefuseSettingsTheMethodIgnores(ParseResult parse, SaliencyMethod choice, params Option[] options)
    {
        foreach (var option in options.Where(o => parse.GetResult(o) is { Implicit: false }))
        {
            bool used = option.Name switch
            {
                "--layer" or "--mode" => choice == MethodRegistry.GradCam,
                _ => choice == MethodRegistry.IntegratedGradients || choice == MethodRegistry.FourierIntegratedGradients,
            };
            if (!used)
                throw new ArgumentException($"{option.Name} does not apply to --method {choice.Name}: " +
                                            (option.Name == "--steps" ? "only ig and fourier-ig integrate." : "only gradcam takes a layer and a mode."));
        }
    }
}
