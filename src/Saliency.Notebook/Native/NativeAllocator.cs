using System.Runtime.InteropServices;

namespace Saliency.Notebook.Native;

/// <summary>
/// Keeps glibc from handing every large tensor's memory back to the kernel when it is freed. By default glibc serves blocks of
/// a few MiB with a fresh mmap and unmaps them on free, so every new activation of a chunk page-faults all its pages in again;
/// in the VMs the kit is measured on that made a GradCAM pass 2–5× slower than its arithmetic, with medians twice the best.
/// <see cref="Tune"/> sets M_MMAP_THRESHOLD to 32 MiB (glibc's maximum for the heap) and M_TRIM_THRESHOLD to 256 MiB, so
/// freed blocks below 32 MiB are reused from the heap and at most 256 MiB of free heap is kept (what PyTorch's performance
/// guide gets from jemalloc or tcmalloc). Process-wide: in a notebook it applies to the kernel process.
/// </summary>
public static class NativeAllocator
{
    /// <summary>Blocks below this size come from the heap, not from mmap.</summary>
    public const int MmapThresholdBytes = 32 << 20;

    /// <summary>Free memory at the top of the heap beyond this is returned to the kernel.</summary>
    public const int TrimThresholdBytes = 256 << 20;

    private const int MallocTrimThreshold = -1;   // M_TRIM_THRESHOLD in malloc.h
    private const int MallocMmapThreshold = -3;   // M_MMAP_THRESHOLD in malloc.h

    private static readonly object Gate = new();
    private static string? _state;

    /// <summary>What <see cref="Tune"/> did: the thresholds set, or why not (not Linux, not glibc, refused).</summary>
    public static string State
    {
        get { lock (Gate) return _state ?? "not tuned"; }
    }

    /// <summary>Sets both thresholds once per process on Linux with glibc; returns <see cref="State"/>.</summary>
    public static string Tune()
    {
        lock (Gate)
        {
            if (_state != null) return _state;
            if (!OperatingSystem.IsLinux()) return _state = "not tuned (not Linux)";
            try
            {
                bool set = mallopt(MallocMmapThreshold, MmapThresholdBytes) == 1 & mallopt(MallocTrimThreshold, TrimThresholdBytes) == 1;
                return _state = set
                    ? $"glibc: mmap threshold {MmapThresholdBytes >> 20} MiB, trim threshold {TrimThresholdBytes >> 20} MiB"
                    : "not tuned (glibc refused mallopt)";
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                return _state = "not tuned (the C library has no mallopt)";
            }
        }
    }

    /// <summary>
    /// Hands the heap's free memory back to the kernel now (glibc's malloc_trim), so that a measurement of peak resident memory that
    /// starts next is not charged with what an earlier run freed; nothing where the C library has no malloc_trim.
    /// </summary>
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            malloc_trim(0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}
