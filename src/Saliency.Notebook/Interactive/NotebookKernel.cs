using System.Diagnostics;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;
using Saliency.Notebook.Native;

namespace Saliency.Notebook.Interactive;

/// <summary>
/// The kit's adapter to the .NET Interactive kernel, with <see cref="NotebookDisplay"/>: everything that needs the kernel's own
/// types lives in this room, so a successor kernel is one new adapter away. The kit's extension.dib brings these functions into
/// the notebook's scope (<c>using static</c>), so a cell calls <c>DisplayLive(view)</c> and <c>await LoadTorchBackend("cpu")</c>.
/// The kernel supplies Microsoft.DotNet.Interactive at run time; the kit compiles against it only.
/// </summary>
public static class NotebookKernel
{
    /// <summary>
    /// Shows <paramref name="value"/> and returns the handle whose Update replaces this very output (live progress). The stock
    /// kernel's display() publishes one display id and returns a handle with another, so its updates never reach Jupyter or
    /// VS Code; the invocation context's Display keeps one id.
    /// </summary>
    public static DisplayedValue DisplayLive(object value) =>
        (KernelInvocationContext.Current ?? throw new InvalidOperationException("DisplayLive runs inside a notebook cell."))
        .Display(value);

    /// <summary>
    /// Brings libtorch for the kit into this kernel: "cpu" (libtorch-cpu-linux-x64 from NuGet), "cuda" (TorchSharp-cuda-linux
    /// from NuGet) or the folder of an installed PyTorch's libtorch; then loads it and returns what was loaded.
    /// </summary>
    public static async Task<TorchReport> LoadTorchBackend(string backend, string device = "auto")
    {
        TorchBackend.Use(backend);
        if (TorchBackend.NuGetDirective(backend) is { } directive)
        {
            if (TorchBackend.RestoreApartFirst(backend)) await RestoreApart(backend);
            var restore = await Kernel.Root.SendAsync(new SubmitCode(directive, "csharp"));
            // A failed #r has already failed this cell with NuGet's message; stop here.
            if (restore.Events.OfType<CommandFailed>().FirstOrDefault() is { } failed) throw new InvalidOperationException(failed.Message);
        }
        var report = TorchRuntime.Inspect(device);
        if (!report.Works) throw new InvalidOperationException($"torch does not work with backend '{backend}' and device '{device}': {report.Failure}");
        return report;
    }

    /// <summary>
    /// Restores the backend's package apart first (<see cref="RestorePackage"/>), showing how long it takes: the kernel's own #r fails
    /// the whole cell with NuGet's message when a package cannot be restored, before the kit can say what to do; after this the #r
    /// finds the package in the cache.
    /// </summary>
    private static async Task RestoreApart(string backend)
    {
        var package = TorchBackend.PackageFor(backend)!.Value;
        string restoringText = $"Restoring {package.Id} {package.Version} (the CUDA libtorch: several GB the first time) ...";
        var note = DisplayLive(restoringText);
        var clock = Stopwatch.StartNew();
        string? errors = await RestorePackage(package.Id, package.Version, () => note.Update($"{restoringText} {clock.Elapsed.TotalSeconds:F0} s"));
        if (errors != null)
        {
            note.Update($"{package.Id} {package.Version} could not be restored.");
            throw new InvalidOperationException(TorchBackend.RestoreFailure(backend, errors));
        }
        note.Update($"Restored {package.Id} {package.Version} in {clock.Elapsed.TotalSeconds:F0} s.");
    }

    /// <summary>
    /// Restores <paramref name="id"/> <paramref name="version"/> in a restore context of its own, with the kernel's package manager
    /// and this notebook's NuGet sources, calling <paramref name="everyTwoSeconds"/> while it runs; returns NuGet's errors, or null
    /// when it restored (a later #r then finds the package in the cache).
    /// </summary>
    public static async Task<string?> RestorePackage(string id, string version, Action? everyTwoSeconds = null)
    {
        using var context = new PackageRestoreContext(false);
        context.GetOrAddPackageReference(id, version);
        var restoring = context.RestoreAsync();
        while (await Task.WhenAny(restoring, Task.Delay(2000)) != restoring) everyTwoSeconds?.Invoke();
        var result = await restoring;
        return result.Succeeded ? null : string.Join(" ", result.Errors);
    }
}
