using Saliency.Notebook.Native;

namespace Saliency.Notebook.Tests.Native;

public sealed class NativeAllocatorTests
{
    [Fact]
    public void Loading_torch_on_linux_sets_glibcs_thresholds_once()
    {
        TorchRuntime.EnsureLoaded();
        Assert.True(OperatingSystem.IsLinux(), "the kit's tests run on Linux");
        Assert.Equal("glibc: mmap threshold 32 MiB, trim threshold 256 MiB", NativeAllocator.State);
        Assert.Equal(NativeAllocator.State, NativeAllocator.Tune());
    }
}
