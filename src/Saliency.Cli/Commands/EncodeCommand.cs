using System.CommandLine;
using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.Models;
using Saliency.Notebook.Native;

namespace Saliency.Cli.Commands;

/// <summary><c>saliency encode</c>: posterior means (N, D) float32 of a dataset, in dataset order, from a kit model or an original .ckpt.</summary>
public static class EncodeCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "kit model folder, its model.json, or an original .ckpt", Required = true };
        var output = new Option<string>("--out") { Description = "output .npy file (N, D) float32", Required = true };
        var device = new Option<string?>("--device") { Description = "auto, cpu, cuda or cuda:N" };
        var command = new Command("encode", "Write the posterior means of a dataset under a model as an (N, D) float32 .npy.") { checkpoint, output, device };
        var source = DataOptions.AddTo(command);
        command.SetAction(parse => CommandRunner.Run("encode", () =>
        {
            using var set = source.Load(parse);
            var info = set.Info;
            var torchDevice = TorchRuntime.ResolveDevice(parse.GetValue(device));
            using var loaded = ModelStore.Load(parse.GetValue(checkpoint)!, set.X.shape[1], set.X.shape[2], info.Name, torchDevice);
            using var all = loaded.Model.PosteriorMeans(set.X, torchDevice, batchSize: 512);
            NpyWriter.Write(parse.GetValue(output)!, all);
            Console.WriteLine($"{set.N}×{loaded.Model.LatentDim} posterior means → {parse.GetValue(output)}");
        }));
        return command;
    }
}
