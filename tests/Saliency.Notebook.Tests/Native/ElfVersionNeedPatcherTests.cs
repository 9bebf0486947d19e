using Saliency.Notebook.Native;
using TorchSharp;

namespace Saliency.Notebook.Tests.Native;

public class ElfVersionNeedPatcherTests
{
    private static string ShippedLibrary()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                          ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"TorchSharp's native library is not in the NuGet cache at {path}");
        return path;
    }

    [Fact]
    public void MarkWeak_flips_exactly_one_byte_of_the_shipped_library()
    {
        string copy = Path.Combine(Path.GetTempPath(), $"libLibTorchSharp-{Guid.NewGuid():N}.so");
        File.Copy(ShippedLibrary(), copy);
        try
        {
            byte[] before = File.ReadAllBytes(copy);
            Assert.True(ElfVersionNeedPatcher.RequiresStrongly(copy));
            Assert.Equal(ElfVersionNeedPatcher.Result.Patched, ElfVersionNeedPatcher.MarkWeak(copy));
            byte[] after = File.ReadAllBytes(copy);
            Assert.Equal(before.Length, after.Length);
            int[] changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
            Assert.Single(changed);
            Assert.Equal(before[changed[0]] | 2, after[changed[0]]);
            Assert.False(ElfVersionNeedPatcher.RequiresStrongly(copy));
            Assert.Equal(ElfVersionNeedPatcher.Result.AlreadyWeak, ElfVersionNeedPatcher.MarkWeak(copy));
        }
        finally { File.Delete(copy); }
    }

    [Fact]
    public void A_library_without_the_requirement_is_left_alone()
    {
        string libc10 = Path.Combine(Path.GetDirectoryName(ShippedLibrary())!, "..", "..", "..", "..", "..",
            "libtorch-cpu-linux-x64", "2.10.0", "runtimes", "linux-x64", "native", "libc10.so");
        string copy = Path.Combine(Path.GetTempPath(), $"libc10-{Guid.NewGuid():N}.so");
        File.Copy(libc10, copy);
        try { Assert.Equal(ElfVersionNeedPatcher.Result.NotRequired, ElfVersionNeedPatcher.MarkWeak(copy)); }
        finally { File.Delete(copy); }
    }

    [Fact]
    public void Truncated_or_foreign_files_are_refused_with_the_file_name()
    {
        string path = Path.Combine(Path.GetTempPath(), $"not-elf-{Guid.NewGuid():N}.so");
        File.WriteAllBytes(path, File.ReadAllBytes(ShippedLibrary()).Take(100).ToArray());
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.MarkWeak(path));
            Assert.Contains(path, e.Message);
            File.WriteAllText(path, "hello");
            e = Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.MarkWeak(path));
            Assert.Contains("not an ELF", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Torch_computes_in_the_test_host_with_the_library_the_kit_loaded()
    {
        TorchReport report = TorchRuntime.Inspect("cpu");
        Assert.True(report.Works, report.Failure);
        Assert.Contains(report.NativeLibraries, p => p.EndsWith("libLibTorchSharp.so"));
        using var x = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        Assert.Equal(15f, x.sum().item<float>());
    }
}
