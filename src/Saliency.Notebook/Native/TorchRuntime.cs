using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Native;

/// <summary>
/// Makes TorchSharp load on this machine and picks the device. Call <see cref="EnsureLoaded"/> before the
/// first use of <c>torch</c> in any host (tool, tests, notebooks): it loads a libLibTorchSharp.so that the
/// system's libstdc++ accepts (patched at build time, or patched here into a cache folder for hosts that
/// <c>#r</c> the kit from the NuGet cache), so TorchSharp then finds it by SONAME.
/// </summary>
public static class TorchRuntime
{
    /// <summary>Environment variable that forces the device: <c>cpu</c>, <c>cuda</c> or <c>auto</c> (default).</summary>
    public const string DeviceVariable = "SALIENCY_DEVICE";

    private static readonly object Gate = new();

    /// <summary>
    /// Where libtorch comes from and how loading it went: the runtime's whole state, one object replaced under <see cref="Gate"/>.
    /// Its lifetime is the process: a source may be chosen until libtorch loads; after that it is fixed, since a native library
    /// cannot be unloaded (a notebook restarts its kernel to change it). A failed initialisation is kept and rethrown.
    /// </summary>
    private sealed record State(string? LibTorchFolder, string? BackendPackage, Outcome? Load)
    {
        public static State Initial { get; } = new(null, null, null);

        /// <summary>Why libtorch cannot come from <paramref name="wanted"/> any more, or null while it can.</summary>
        public string? LockedAgainst(string wanted) => Load is not { Failure: null } ? null
            : $"torch is already loaded{(LibTorchFolder == null ? "" : $" from {LibTorchFolder}")}: restart the kernel to load {wanted}.";
    }

    /// <summary>What the one load attempt gave: the CUDA backend or not, the native library the kit loaded itself, or the failure.</summary>
    private sealed record Outcome(bool CudaBackend, string? NativeLibraryPath, string? Failure);

    private static State _state = State.Initial;

    /// <summary>
    /// Loads libtorch from <paramref name="folder"/> (a PyTorch install's <c>torch/lib</c>, say) instead of a NuGet
    /// backend package. Must come before the first use of torch; throws when the folder has no libtorch.so, and when another
    /// libtorch is already in the process (an earlier cell's <c>#r</c> of a libtorch package): two libtorch abort a process.
    /// </summary>
    public static void UseLibTorchFolder(string folder)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        if (!File.Exists(Path.Combine(full, "libtorch.so")))
            throw new ArgumentException($"{full} has no libtorch.so: pass the folder of a PyTorch 2.10-compatible libtorch (e.g. .../site-packages/torch/lib).", nameof(folder));
        lock (Gate)
        {
            if (_state.LibTorchFolder != full && _state.LockedAgainst($"libtorch from {full}") is { } locked) throw new InvalidOperationException(locked);
            if (LoadedNativeLibraries().FirstOrDefault(path => Path.GetFileName(path) == "libtorch_cpu.so" && Path.GetDirectoryName(path) != full) is { } other)
                throw new InvalidOperationException(
                    $"Another libtorch is already loaded in this process ({other}), so the one in {full} cannot be: two libtorch abort a process. " +
                    "Restart the kernel and name the folder before anything loads torch (no #r of a libtorch package first).");
            _state = _state with { LibTorchFolder = full };
        }
    }

    /// <summary>
    /// Makes the kit load libtorch from the NuGet backend package of <paramref name="backend"/> (<c>cpu</c> or <c>cuda</c>)
    /// only, even when the other one is also in the NuGet cache (a notebook that once ran with <c>cuda</c>). Must come
    /// before the first use of torch.
    /// </summary>
    internal static void UseBackendPackage(string backend)
    {
        if (backend is not ("cpu" or "cuda")) throw new ArgumentException($"Unknown backend package kind '{backend}'.", nameof(backend));
        lock (Gate)
        {
            if ((_state.LibTorchFolder != null || (_state.BackendPackage ?? backend) != backend) && _state.LockedAgainst($"the {backend} libtorch") is { } locked)
                throw new InvalidOperationException(locked);
            _state = _state with { BackendPackage = backend };
        }
    }

    /// <summary>True when the loaded libtorch has CUDA and a GPU is visible.</summary>
    public static bool CudaUsable
    {
        get
        {
            EnsureLoaded();
            return torch.cuda.is_available();
        }
    }

    /// <summary>Path of the libLibTorchSharp.so the kit loaded itself, or null when TorchSharp loaded its own (or nothing is loaded yet).</summary>
    public static string? NativeLibraryPath => _state.Load?.NativeLibraryPath;

    /// <summary>
    /// Loads the native TorchSharp backend once, CUDA when the libtorch at hand has it, else CPU.
    /// Throws <see cref="TorchLoadException"/> with the dynamic loader's own message when it cannot.
    /// </summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_state.Load is { Failure: { } failure }) throw new TorchLoadException(failure);
            if (_state.Load is not null) return;
            try
            {
                NativeAllocator.Tune();
                string? nativeLibrary = OperatingSystem.IsLinux() ? PreloadCompatibleNativeLibrary(_state) : null;
                // CUDA first: it is there only with a CUDA libtorch (TorchSharp-cuda-linux, or the GPU machine's own).
                bool cuda = Environment.GetEnvironmentVariable(DeviceVariable)?.Trim().ToLowerInvariant() != "cpu"
                            && torch.TryInitializeDeviceType(DeviceType.CUDA);
                if (!cuda) torch.InitializeDeviceType(DeviceType.CPU);
                _state = _state with { Load = new Outcome(cuda, nativeLibrary, null) };
            }
            catch (Exception e) when (e is not TorchLoadException)
            {
                string reason = DescribeLoadFailure(e);
                _state = _state with { Load = new Outcome(false, null, reason) };
                throw new TorchLoadException(reason, e);
            }
        }
    }

    /// <summary>
    /// The device to compute on: <paramref name="request"/> (or the SALIENCY_DEVICE variable) of
    /// <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>; auto picks CUDA when available.
    /// Asking for CUDA where there is none is an error, not a silent fallback.
    /// </summary>
    public static Device ResolveDevice(string? request = null)
    {
        EnsureLoaded();
        string wanted = (request ?? Environment.GetEnvironmentVariable(DeviceVariable) ?? "auto").Trim().ToLowerInvariant();
        if (wanted is "" or "auto") return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (wanted == "cpu") return torch.CPU;
        if (wanted == "cuda" || (wanted.StartsWith("cuda:", StringComparison.Ordinal) && wanted.Length > 5 && wanted[5..].All(char.IsAsciiDigit)))
        {
            if (!torch.cuda.is_available())
                throw new InvalidOperationException(
                    $"Device '{wanted}' was asked for, but CUDA is not available: " +
                    (_state.Load?.CudaBackend == true ? "the loaded libtorch has CUDA but sees no GPU. " : "the loaded libtorch is a CPU build. ") +
                    "In a notebook, set torchBackend = \"cuda\" or the torch/lib folder of a PyTorch install with CUDA (then restart the kernel), " +
                    "or device = \"cpu\"; with the saliency tool, build with -p:SaliencyTorchBackend=cuda or put a CUDA libtorch on LD_LIBRARY_PATH, or use --device cpu.");
            return new Device(wanted);
        }
        string source = request is null ? $" (from {DeviceVariable})" : "";
        throw new ArgumentException($"Unknown device '{wanted}'{source}: use auto, cpu, cuda or cuda:N.", nameof(request));
    }

    /// <summary>
    /// What <c>saliency doctor</c> and a notebook's device cell report. Never throws: a load failure, or a device that cannot be
    /// had (CUDA where there is none), is part of the report, each with its own reason.
    /// </summary>
    public static TorchReport Inspect(string? deviceRequest = null)
    {
        string torchSharpVersion = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
                                   ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "?";
        try
        {
            EnsureLoaded();
        }
        catch (Exception e)
        {
            return new TorchReport(false, torchSharpVersion, null, null, 0, false, LoadedNativeLibraries(), DescribeLoadFailure(e));
        }
        try
        {
            Device device = ResolveDevice(deviceRequest);
            float value;
            using (torch.NewDisposeScope())
                value = torch.ones(new long[] { 2, 2 }, device: device).matmul(torch.ones(new long[] { 2, 2 }, device: device)).sum().cpu().item<float>();
            if (value != 8f) throw new InvalidOperationException($"torch computed {value} for a 2x2 ones matmul sum, expected 8.");
            return new TorchReport(true, torchSharpVersion, torch.__version__, device.ToString(), torch.get_num_threads(),
                torch.cuda.is_available(), LoadedNativeLibraries(), null);
        }
        catch (Exception e)
        {
            string reason = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "") : e.Message;
            return new TorchReport(false, torchSharpVersion, torch.__version__, null, torch.get_num_threads(), torch.cuda.is_available(),
                LoadedNativeLibraries(), reason);
        }
    }

    /// <summary>Paths of the TorchSharp and libtorch native libraries mapped into this process.</summary>
    public static IReadOnlyList<string> LoadedNativeLibraries()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return Array.Empty<string>();
        return File.ReadLines(maps)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length >= 6)
            .Select(parts => string.Join(' ', parts.Skip(5)))
            .Where(path => Path.GetFileName(path) is "libLibTorchSharp.so" or "libtorch.so" or "libtorch_cpu.so" or "libtorch_cuda.so" or "libc10.so")
            .Distinct()
            .ToList();
    }

    /// <summary>
    /// Finds TorchSharp's native library, makes sure the system accepts it (patching a private copy when the
    /// system libstdc++ lacks GLIBCXX_3.4.32), and loads it by full path with its libtorch dependencies from the source
    /// <paramref name="state"/> names. Returns the path it loaded, or null when TorchSharp is left to search itself.
    /// </summary>
    private static string? PreloadCompatibleNativeLibrary(State state)
    {
        string? shipped = FindShippedNativeLibrary();
        if (shipped == null) return null; // TorchSharp will search itself (e.g. a libtorch on LD_LIBRARY_PATH)
        string? folder = state.LibTorchFolder;
        if (folder != null && ShippedLibTorch(Path.GetDirectoryName(shipped)!) is { } own && Path.GetDirectoryName(own) != folder)
            // TorchSharp loads the program's own copy by path as well, and two libtorch in one process abort it.
            throw new TorchLoadException($"This program ships its own libtorch ({own}), so it cannot load the one in {folder}: " +
                                         "two libtorch in one process abort it. Use the libtorch folder with a build that has none (-p:SaliencyTorchBackend=none), or leave it out.");
        string toLoad = shipped;
        if (!ElfVersionNeedPatcher.SystemLibStdCxxProvides() && ElfVersionNeedPatcher.RequiresStrongly(shipped))
            toLoad = PatchedCopyOf(shipped);
        // libtorch first, from the folder TorchSharp itself would use, so that the DT_NEEDED entries of
        // libLibTorchSharp.so resolve by SONAME to the files that match it.
        string? libtorchDir = folder ?? FindLibTorchDirectory(Path.GetDirectoryName(shipped)!, state.BackendPackage);
        if (libtorchDir != null)
            foreach (string name in new[] { "libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so" })
            {
                string candidate = Path.Combine(libtorchDir, name);
                if (File.Exists(candidate)) LoadOrExplain(candidate);
            }
        LoadOrExplain(toLoad);
        return toLoad;
    }

    /// <summary>The libtorch_cpu.so a program ships beside TorchSharp's native library or in its own folder, where TorchSharp finds it.</summary>
    private static string? ShippedLibTorch(string nativeDir) =>
        new[] { nativeDir, AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native") }
            .Select(dir => Path.Combine(dir, "libtorch_cpu.so"))
            .FirstOrDefault(File.Exists);

    private static void LoadOrExplain(string path)
    {
        try { NativeLibrary.Load(path); }
        catch (DllNotFoundException e) { throw new TorchLoadException($"The dynamic loader refused {path}: {e.Message}", e); }
    }

    private static string? FindShippedNativeLibrary()
    {
        var candidates = new List<string>();
        foreach (string? baseDir in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(TorchRuntime).Assembly.Location) })
        {
            if (string.IsNullOrEmpty(baseDir)) continue;
            candidates.Add(Path.Combine(baseDir, "libLibTorchSharp.so"));
            candidates.Add(Path.Combine(baseDir, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"));
        }
        // A host that #r's TorchSharp.dll from the NuGet cache: lib/net8.0/TorchSharp.dll -> runtimes/linux-x64/native.
        string? torchSharpDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchSharpDir))
        {
            candidates.Add(Path.Combine(torchSharpDir, "libLibTorchSharp.so"));
            candidates.Add(Path.GetFullPath(Path.Combine(torchSharpDir, "..", "..", "runtimes", "linux-x64", "native", "libLibTorchSharp.so")));
        }
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// The libtorch folder that matches TorchSharp's native library in <paramref name="nativeDir"/>: that folder itself, or in
    /// the NuGet cache (.../torchsharp/0.107.0/runtimes/linux-x64/native → .../libtorch-&lt;cpu|cuda-12.x&gt;-linux-x64/&lt;v&gt;/runtimes/linux-x64/native)
    /// the package of <paramref name="backend"/> (<c>cpu</c> or <c>cuda</c>; null: CUDA first, as the tool's tests on a GPU
    /// machine), and only libtorch <see cref="TorchBackend.CpuVersion"/>, the one TorchSharp 0.107 is built against: an older
    /// TorchSharp's libtorch left in the cache must never be loaded.
    /// </summary>
    internal static string? FindLibTorchDirectory(string nativeDir, string? backend)
    {
        if (File.Exists(Path.Combine(nativeDir, "libtorch_cpu.so"))) return nativeDir;
        string packages = Path.GetFullPath(Path.Combine(nativeDir, "..", "..", "..", "..", ".."));
        if (!Directory.Exists(packages)) return null;
        static bool IsCpu(string package) => Path.GetFileName(package).StartsWith("libtorch-cpu", StringComparison.Ordinal);
        static bool Matches(string version) => version == TorchBackend.CpuVersion || version.StartsWith(TorchBackend.CpuVersion + ".", StringComparison.Ordinal);
        return Directory.GetDirectories(packages, "libtorch-*-linux-x64")
            .Where(package => backend switch { "cpu" => IsCpu(package), "cuda" => !IsCpu(package), _ => true })
            .OrderBy(package => IsCpu(package) ? 1 : 0)
            .ThenBy(package => Path.GetFileName(package), StringComparer.Ordinal)
            .SelectMany(package => Directory.GetDirectories(package).Where(d => Matches(Path.GetFileName(d))).Order(StringComparer.Ordinal))
            .Select(d => Path.Combine(d, "runtimes", "linux-x64", "native"))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "libtorch_cpu.so")));
    }

    private static string PatchedCopyOf(string shipped)
    {
        string version = typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";
        string cacheRoot = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        string dir = Path.Combine(cacheRoot, "saliency-notebook", "native", $"torchsharp-{version}");
        Directory.CreateDirectory(dir);
        string target = Path.Combine(dir, "libLibTorchSharp.so");
        if (File.Exists(target) && !ElfVersionNeedPatcher.RequiresStrongly(target)) return target;
        string staging = Path.Combine(dir, $"libLibTorchSharp.so.{Environment.ProcessId}.tmp");
        File.Copy(shipped, staging, overwrite: true);
        ElfVersionNeedPatcher.MarkWeak(staging);
        File.Move(staging, target, overwrite: true);
        return target;
    }

    /// <summary>Replaces TorchSharp's generic "missing package" text with the loader's real reason.</summary>
    private static string DescribeLoadFailure(Exception e)
    {
        if (e is TorchLoadException) return e.Message;
        string? shipped = OperatingSystem.IsLinux() ? FindShippedNativeLibrary() : null;
        if (shipped != null)
        {
            try { NativeLibrary.Free(NativeLibrary.Load(shipped)); }
            catch (DllNotFoundException dl) { return $"The dynamic loader refused {shipped}: {dl.Message}"; }
        }
        Exception root = e;
        while (root.InnerException != null) root = root.InnerException;
        return $"TorchSharp failed to initialise: {root.GetType().Name}: {root.Message.Split('\n')[0]}";
    }
}

/// <summary>TorchSharp's native backend could not be loaded; the message carries the dynamic loader's reason.</summary>
public sealed class TorchLoadException : Exception
{
    public TorchLoadException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The facts <c>saliency doctor</c> prints.</summary>
public sealed record TorchReport(
    bool Works, string TorchSharpVersion, string? LibTorchVersion, string? Device, int Threads,
    bool CudaAvailable, IReadOnlyList<string> NativeLibraries, string? Failure);
