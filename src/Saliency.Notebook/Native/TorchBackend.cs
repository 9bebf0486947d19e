namespace Saliency.Notebook.Native;

/// <summary>
/// The libtorch a notebook brings, named by one parameter: <c>cpu</c> (the NuGet package libtorch-cpu-linux-x64),
/// <c>cuda</c> (the NuGet package TorchSharp-cuda-linux) or the path of a folder holding a PyTorch-compatible libtorch
/// (e.g. <c>.../site-packages/torch/lib</c> of a PyTorch 2.10 install). The kit package itself references TorchSharp
/// only, as TorchSharp advises for libraries: two backends in one process conflict.
/// </summary>
public static class TorchBackend
{
    /// <summary>The CPU backend package and version (matching TorchSharp 0.107.0).</summary>
    public const string CpuPackage = "libtorch-cpu-linux-x64", CpuVersion = "2.10.0";

    /// <summary>The CUDA backend package and version (it brings the CUDA libtorch packages).</summary>
    public const string CudaPackage = "TorchSharp-cuda-linux", CudaVersion = "0.107.0";

    /// <summary>
    /// The <c>#r "nuget: ..."</c> line that brings <paramref name="backend"/>, or null when it names a libtorch folder
    /// (which <see cref="UseFolder"/> then takes). Throws for anything else, naming the choices.
    /// </summary>
    public static string? NuGetDirective(string backend)
    {
        string value = (backend ?? "").Trim();
        if (value.Equals("cpu", StringComparison.OrdinalIgnoreCase)) return $"#r \"nuget: {CpuPackage}, {CpuVersion}\"";
        if (value.Equals("cuda", StringComparison.OrdinalIgnoreCase)) return $"#r \"nuget: {CudaPackage}, {CudaVersion}\"";
        if (value.Length > 0 && Directory.Exists(value)) return null;
        throw new ArgumentException(
            $"Unknown torch backend '{backend}': use \"cpu\" ({CpuPackage} {CpuVersion}), \"cuda\" ({CudaPackage} {CudaVersion}) " +
            "or the folder of a PyTorch 2.10-compatible libtorch (the one holding libtorch.so, e.g. .../site-packages/torch/lib).", nameof(backend));
    }

    /// <summary>Why a backend package could not be restored, with what to do instead.</summary>
    public static string RestoreFailure(string backend, string kernelMessage) =>
        backend.Trim().Equals("cuda", StringComparison.OrdinalIgnoreCase)
            ? $"The CUDA backend ({CudaPackage} {CudaVersion}) could not be restored from this machine's NuGet sources " +
              "(some registries, such as this project's build machines, do not serve it). Add nuget.org to the sources, or pass " +
              $"the folder of an installed PyTorch's libtorch (.../site-packages/torch/lib) as the backend. NuGet said: {kernelMessage}"
            : $"The torch backend '{backend}' could not be restored: {kernelMessage}";

    /// <summary>Makes the kit load libtorch from <paramref name="folder"/> (before the first use of torch).</summary>
    public static void UseFolder(string folder) => TorchRuntime.UseLibTorchFolder(folder);
}
