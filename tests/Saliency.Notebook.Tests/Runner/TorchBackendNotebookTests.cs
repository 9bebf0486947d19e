using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Formatting;
using Saliency.Notebook.Native;
using static Saliency.Notebook.Tests.Runner.RunnerTests;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>
/// The device cell's backend choice in the pinned kernel (<c>saliency run</c>): a libtorch folder, a CUDA backend that cannot be
/// restored and CUDA asked of a CPU libtorch. The notebook restores from the kit's feed and the NuGet cache only (its nuget.config
/// clears the registries), so the CUDA package is missing on every machine alike.
/// </summary>
[Collection(NotebookSessionCollection.Name)]
public sealed class TorchBackendNotebookTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "saliency-backend-tests-" + Guid.NewGuid().ToString("N")[..8]);
    private static string Notebook => Offline("backend.ipynb");

    private static string Offline(string name) => Path.Combine(Path.GetDirectoryName(Repository.TestNotebook("basic.ipynb"))!, "offline", name);

    public TorchBackendNotebookTests() => KitFeed.EnsurePacked();

    public void Dispose()
    {
        Formatter.ResetToDefault();
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    /// <summary>The folder of libtorch-cpu-linux-x64 in the NuGet cache: a PyTorch-compatible libtorch folder on every machine that built the kit.</summary>
    private static string CpuLibTorchFolder()
    {
        string folder = Path.Combine(NuGetPackages.Root, "libtorch-cpu-linux-x64", TorchBackend.CpuVersion, "runtimes", "linux-x64", "native");
        Assert.True(File.Exists(Path.Combine(folder, "libtorch.so")), $"no libtorch.so in {folder}: build the tool first");
        return folder;
    }

    [Fact]
    public void A_libtorch_folder_is_loaded_from_that_folder_and_the_report_names_it()
    {
        string folder = CpuLibTorchFolder();

        (int code, string error) = RunnerTests.Saliency("run", Notebook, "--out", _out, "-p", $"torchBackend={folder}", "-p", "device=cpu");

        Assert.True(code == 0, error);
        List<JsonObject> cells = Cells(Load(Path.Combine(_out, "backend.ipynb")));
        JsonObject report = Outputs(cells[4]).Single(o => (string?)o["output_type"] == "execute_result");
        Assert.Contains(Path.Combine(folder, "libtorch_cpu.so"), (string?)report["data"]!["text/html"]);
        Assert.Equal("device=cpu cuda=False sum=3\n", (string?)Outputs(cells[5]).Single()["text"]);
    }

    [Fact]
    public void A_cuda_backend_that_cannot_be_restored_fails_saying_what_to_do()
    {
        (int code, string error) = RunnerTests.Saliency("run", Notebook, "--out", _out, "-p", "torchBackend=cuda");

        Assert.Equal(1, code);
        Assert.Contains("cell 5 failed: System.InvalidOperationException: The CUDA backend (TorchSharp-cuda-linux 0.107.0) could not be restored", error);
        Assert.Contains("torch/lib", error);
        Assert.Contains("NU1101", error); // NuGet's own reason follows the kit's
        List<JsonObject> outputs = Outputs(Cells(Load(Path.Combine(_out, "backend.ipynb")))[4]);
        Assert.Contains(outputs, o => ((string?)o["data"]?["text/plain"])?.StartsWith("TorchSharp-cuda-linux 0.107.0 could not be restored.") == true);
    }

    [Fact]
    public void Cuda_asked_of_a_cpu_libtorch_is_an_error_that_says_so()
    {
        (int code, string error) = RunnerTests.Saliency("run", Notebook, "--out", _out, "-p", "device=cuda");

        Assert.Equal(1, code);
        Assert.Contains("torch does not work with backend 'cpu' and device 'cuda': Device 'cuda' was asked for, but CUDA is not available: the loaded libtorch is a CPU build.", error);
    }

    [Fact]
    public void The_adapters_restore_apart_reports_instead_of_failing_the_cell()
    {
        // The pinned kernel's package manager, called by the compiled kernel adapter: a cached package restores, a missing one returns NuGet's reason.
        (int code, string error) = RunnerTests.Saliency("run", Offline("restore-apart.ipynb"), "--out", _out);

        Assert.True(code == 0, error);
        string[] lines = ((string?)Outputs(Cells(Load(Path.Combine(_out, "restore-apart.ipynb")))[2]).Single()["text"])!.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal("restored", lines[0]);
        Assert.Contains("NU1101: Unable to find package TorchSharp-cuda-linux", lines[1]);
        Assert.Equal("the cell goes on", lines[2]);
    }
}
