using System.Xml.Linq;
using Saliency.Notebook.Native;
using TorchSharp;

namespace Saliency.Notebook.Tests.Native;

/// <summary>The notebook's backend choice (cpu, cuda or a libtorch folder) and the device check the device cell shows.</summary>
public class TorchBackendTests
{
    [Fact]
    public void Each_backend_names_its_package_and_a_folder_none()
    {
        string folder = Directory.CreateTempSubdirectory("libtorch-").FullName;
        try
        {
            Assert.Equal(("libtorch-cpu-linux-x64", "2.10.0"), TorchBackend.PackageFor("cpu"));
            Assert.Equal(("TorchSharp-cuda-linux", "0.107.0"), TorchBackend.PackageFor(" CUDA "));
            Assert.Null(TorchBackend.PackageFor(folder));
            Assert.Equal("#r \"nuget: libtorch-cpu-linux-x64, 2.10.0\"", TorchBackend.NuGetDirective("cpu"));
            Assert.Equal("#r \"nuget: TorchSharp-cuda-linux, 0.107.0\"", TorchBackend.NuGetDirective("cuda"));
            Assert.Null(TorchBackend.NuGetDirective(folder));
            // Only the CUDA package, which not every registry serves, is restored apart first so that its failure can say what to do.
            Assert.True(TorchBackend.RestoreApartFirst("cuda"));
            Assert.False(TorchBackend.RestoreApartFirst("cpu"));
            Assert.False(TorchBackend.RestoreApartFirst(folder));
        }
        finally { Directory.Delete(folder); }
    }

    [Fact]
    public void The_backend_versions_are_the_ones_the_build_pins()
    {
        var pins = XDocument.Load(Path.Combine(TestData.RepoRoot, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!);
        Assert.Equal(TorchBackend.CpuVersion, pins[TorchBackend.CpuPackage]);
        Assert.Equal(TorchBackend.CudaVersion, pins[TorchBackend.CudaPackage]);
        Assert.Equal(TorchBackend.CudaVersion, pins["TorchSharp"]); // TorchSharp-cuda-linux is versioned with TorchSharp
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("")]
    [InlineData("/no/such/folder")]
    public void An_unknown_backend_is_refused_naming_the_choices(string backend)
    {
        var e = Assert.Throws<ArgumentException>(() => TorchBackend.PackageFor(backend));
        Assert.Contains("\"cpu\"", e.Message);
        Assert.Contains("\"cuda\"", e.Message);
        Assert.Contains("libtorch.so", e.Message);
    }

    [Fact]
    public void The_nuget_cache_gives_the_chosen_backends_libtorch_of_the_pinned_version_only()
    {
        // A NuGet cache as the kernel leaves it: TorchSharp 0.107's native folder, the CPU libtorch it pins, a CUDA libtorch of
        // the same version, and an older TorchSharp's CUDA libtorch (another libtorch ABI) that must never be loaded.
        string cache = Directory.CreateTempSubdirectory("nuget-cache-").FullName;
        try
        {
            string Native(string package, string version)
            {
                string dir = Path.Combine(cache, package, version, "runtimes", "linux-x64", "native");
                Directory.CreateDirectory(dir);
                File.WriteAllBytes(Path.Combine(dir, "libtorch_cpu.so"), []);
                return dir;
            }
            string torchSharp = Path.Combine(cache, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native");
            Directory.CreateDirectory(torchSharp);
            string cpu = Native("libtorch-cpu-linux-x64", TorchBackend.CpuVersion);
            Native("libtorch-cpu-linux-x64", "2.5.1");
            Native("libtorch-cuda-12.1-linux-x64", "2.5.1.0");
            Assert.Equal(cpu, TorchRuntime.FindLibTorchDirectory(torchSharp, "cpu"));
            Assert.Null(TorchRuntime.FindLibTorchDirectory(torchSharp, "cuda"));   // only the older TorchSharp's CUDA libtorch
            Assert.Equal(cpu, TorchRuntime.FindLibTorchDirectory(torchSharp, null));
            string cuda = Native("libtorch-cuda-12.8-linux-x64", TorchBackend.CpuVersion + ".0");
            Assert.Equal(cpu, TorchRuntime.FindLibTorchDirectory(torchSharp, "cpu")); // cpu asked: the CUDA package in the cache is not used
            Assert.Equal(cuda, TorchRuntime.FindLibTorchDirectory(torchSharp, "cuda"));
            Assert.Equal(cuda, TorchRuntime.FindLibTorchDirectory(torchSharp, null));
        }
        finally { Directory.Delete(cache, recursive: true); }
    }

    [Fact]
    public void A_folder_without_libtorch_is_refused()
    {
        string folder = Directory.CreateTempSubdirectory("no-libtorch-").FullName;
        try
        {
            var e = Assert.Throws<ArgumentException>(() => TorchBackend.UseFolder(folder));
            Assert.Contains("has no libtorch.so", e.Message);
        }
        finally { Directory.Delete(folder); }
    }

    [Fact]
    public void A_failed_cuda_restore_says_what_to_do_instead()
    {
        string message = TorchBackend.RestoreFailure("cuda", "error NU1101: Unable to find package TorchSharp-cuda-linux.");
        Assert.StartsWith("The CUDA backend (TorchSharp-cuda-linux 0.107.0) could not be restored", message);
        Assert.Contains("Add nuget.org to the sources", message);
        Assert.Contains("torch/lib", message);
        Assert.EndsWith("NuGet said: error NU1101: Unable to find package TorchSharp-cuda-linux.", message);
    }

    [Fact]
    public void Asking_for_cuda_is_an_error_where_there_is_none_and_the_report_says_why_not_a_load_failure()
    {
        TorchReport report = TorchRuntime.Inspect("cuda");
        if (torch.cuda.is_available())
        {
            Assert.True(report.Works, report.Failure);
            Assert.Equal("cuda", report.Device);
            return;
        }
        Assert.False(report.Works);
        Assert.StartsWith("Device 'cuda' was asked for, but CUDA is not available: the loaded libtorch is a CPU build.", report.Failure);
        Assert.Contains("torchBackend = \"cuda\"", report.Failure);
        Assert.NotNull(report.LibTorchVersion); // torch loaded fine: the device is what failed
        Assert.Throws<InvalidOperationException>(() => TorchRuntime.ResolveDevice("cuda"));
    }

    [Fact]
    public void An_unknown_device_is_reported_as_such()
    {
        TorchReport report = TorchRuntime.Inspect("tpu");
        Assert.False(report.Works);
        Assert.Equal("Unknown device 'tpu': use auto, cpu, cuda or cuda:N.", report.Failure);
        foreach (string malformed in new[] { "cudax", "cuda:", "cuda:one" })
            Assert.Equal($"Unknown device '{malformed}': use auto, cpu, cuda or cuda:N.", TorchRuntime.Inspect(malformed).Failure);
    }
}
