using System.CommandLine;
using Saliency.Notebook.Native;

namespace Saliency.Cli.Commands;

/// <summary><c>saliency doctor</c>: does torch work here, on which device, from which native library.</summary>
public static class DoctorCommand
{
    public static Command Create()
    {
        var device = new Option<string?>("--device") { Description = "auto, cpu, cuda or cuda:N (default: SALIENCY_DEVICE or auto)" };
        var libTorch = new Option<string?>("--libtorch")
        {
            Description = "load libtorch from this folder (a PyTorch 2.10-compatible torch/lib), as a notebook's torchBackend folder does",
        };
        var command = new Command("doctor", "Check that TorchSharp loads and computes; print versions, device, threads and native libraries.") { device, libTorch };
        command.SetAction(parse => CommandRunner.Run("doctor", () =>
        {
            if (parse.GetValue(libTorch) is { } folder) TorchBackend.UseFolder(folder);
            TorchReport report = TorchRuntime.Inspect(parse.GetValue(device));
            Console.WriteLine($"TorchSharp        {report.TorchSharpVersion}");
            Console.WriteLine($"libtorch          {report.LibTorchVersion ?? "(not loaded)"}");
            Console.WriteLine($"device            {report.Device ?? "(none)"}");
            Console.WriteLine($"CUDA available    {(report.CudaAvailable ? "yes" : "no")}");
            Console.WriteLine($"threads           {report.Threads}");
            Console.WriteLine($"allocator         {NativeAllocator.State}");
            Console.WriteLine($"kit-loaded native {TorchRuntime.NativeLibraryPath ?? "(TorchSharp's own search)"}");
            foreach (string lib in report.NativeLibraries) Console.WriteLine($"mapped            {lib}");
            if (!report.Works)
            {
                Console.Error.WriteLine($"torch does not work: {report.Failure}");
                return 1;
            }
            Console.WriteLine("status            ok (2x2 matmul checked)");
            return 0;
        }));
        return command;
    }
}
