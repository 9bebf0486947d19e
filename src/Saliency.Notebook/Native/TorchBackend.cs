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
    /// The NuGet package that brings <paramref name="backend"/>, or null when it names a libtorch folder (which
    /// <see cref="UseFolder"/> then takes). Throws for anything else, naming the choices.
    /// </summary>
    public static (string Id, string Version)? PackageFor(string backend)
    {
        string value = (backend ?? "").Trim();
        if (value.Equals("cpu", StringComparison.OrdinalIgnoreCase)) return (CpuPackage, CpuVersion);
        if (value.Equals("cuda", StringComparison.OrdinalIgnoreCase)) return (CudaPackage, CudaVersion);
        if (value.Length > 0 && Directory.Exists(value)) return null;
        throw new ArgumentException(
            $"Unknown torch backend '{backend}': use \"cpu\" ({CpuPackage} {CpuVersion}), \"cuda\" ({CudaPackage} {CudaVersion}) " +
            "or the folder of a PyTorch 2.10-compatible libtorch (the one holding libtorch.so, e.g. .../site-packages/torch/lib).", nameof(backend));
    }

    /// <summary>The <c>#r "nuget: ..."</c> line that brings <paramref name="backend"/>, or null for a libtorch folder (<see cref="PackageFor"/>).</summary>
    public static string? NuGetDirective(string backend) => PackageFor(backend) is { } package ? $"#r \"nuget: {package.Id}, {package.Version}\"" : null;

    /// <summary>
    /// Whether the notebook should try to restore <paramref name="backend"/> on its own before the kernel's <c>#r</c>: the CUDA
    /// package, which not every registry serves and which is several GB. The kernel's <c>#r</c> fails the whole cell with NuGet's
    /// message alone, so the kit restores it apart first and, when that fails, says what to do instead (<see cref="RestoreFailure"/>).
    /// </summary>
    public static bool RestoreApartFirst(string backend) => PackageFor(backend)?.Id == CudaPackage;

    /// <summary>Why a backend package could not be restored, with what to do instead.</summary>
    public static string RestoreFailure(string backend, string nugetMessage) =>
        backend.Trim().Equals("cuda", StringComparison.OrdinalIgnoreCase)
            ? $"The CUDA backend ({CudaPackage} {CudaVersion}) could not be restored from this machine's NuGet sources " +
              "(some registries, such as this project's build machines, do not serve it). Add nuget.org to the sources, or set " +
              $"torchBackend to the folder of an installed PyTorch's libtorch (.../site-packages/torch/lib). NuGet said: {nugetMessage}"
            : $"The torch backend '{backend}' could not be restored: {nugetMessage}";

    /// <summary>
    /// Makes the kit load <paramref name="backend"/>'s libtorch (before the first use of torch): the folder it names, or only
    /// the libtorch of its NuGet package (<see cref="PackageFor"/>), which the notebook's <c>#r</c> then brings.
    /// </summary>
    public static void Use(string backend)
    {
        if (PackageFor(backend) is { } package) TorchRuntime.UseBackendPackage(package.Id == CudaPackage ? "cuda" : "cpu");
        else UseFolder(backend);
    }

    /// <summary>Makes the kit load libtorch from <paramref name="folder"/> (before the first use of torch).</summary>
    public static void UseFolder(string folder) => TorchRuntime.UseLibTorchFolder(folder);
}
