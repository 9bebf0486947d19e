using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Scripting;

namespace Saliency.KernelWarmup;

/// <summary>
/// Warms the .NET Interactive kernel's C# compiler while the kernel starts. The kernel is single-threaded and all IL
/// (nothing in the dotnet-interactive tool is ReadyToRun): it spends about 1.6 s starting, then its first C# submission
/// spends another 1.5 s jitting Roslyn, while a second core idles. Loaded as a startup hook (<c>DOTNET_STARTUP_HOOKS</c>)
/// by <c>saliency run</c>, this compiles and emits two script submissions shaped like notebook cells on a background
/// thread, into memory: nothing is loaded or run in the kernel, and the notebook's cells find the compiler jitted.
/// </summary>
public static class CompilerWarmup
{
    /// <summary>The runtime's list of startup hook assemblies (path-separated).</summary>
    public const string StartupHooksVariable = "DOTNET_STARTUP_HOOKS";

    /// <summary>Set to <c>off</c> to start the kernel without the warm-up (<c>on</c>, the default, with it).</summary>
    public const string SwitchVariable = "SALIENCY_KERNEL_WARMUP";

    /// <summary>The kernel process's entry assembly: the hook warms that process only, not the <c>dotnet tool run</c> host before it.</summary>
    public const string KernelEntryAssembly = "Microsoft.DotNet.Interactive.App";

    /// <summary>The <see cref="AppContext"/> data key where the kernel process records the warm-up's state (running, done, failed).</summary>
    public const string StatusKey = "Saliency.KernelWarmup.Status";

    /// <summary>The first line the hook writes to the kernel's standard error when the warm-up fails.</summary>
    public const string FailurePrefix = "saliency kernel warm-up failed:";

    /// <summary>The hook assembly to name in <see cref="StartupHooksVariable"/>.</summary>
    public static string AssemblyPath => typeof(CompilerWarmup).Assembly.Location is { Length: > 0 } path
        ? path
        : throw new InvalidOperationException("Saliency.KernelWarmup has no file on disk (single-file app): it cannot be a startup hook.");

    /// <summary>Whether <paramref name="value"/> of <see cref="SwitchVariable"/> asks for the warm-up (unset: yes).</summary>
    public static bool IsEnabled(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "on" or "1" or "true" => true,
        "off" or "0" or "false" => false,
        _ => throw new ArgumentException($"{SwitchVariable} is '{value}'; it may be on or off."),
    };

    /// <summary><paramref name="hooks"/> (a <see cref="StartupHooksVariable"/> value, may be empty) with <see cref="AssemblyPath"/> added once.</summary>
    public static string AddTo(string? hooks) =>
        string.Join(Path.PathSeparator, Entries(hooks).Where(entry => !IsThisHook(entry)).Append(AssemblyPath));

    /// <summary><paramref name="hooks"/> without <see cref="AssemblyPath"/>: what the kernel's own child processes inherit.</summary>
    public static string RemoveFrom(string? hooks) => string.Join(Path.PathSeparator, Entries(hooks).Where(entry => !IsThisHook(entry)));

    private static IEnumerable<string> Entries(string? hooks) =>
        (hooks ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool IsThisHook(string entry) =>
        string.Equals(Path.GetFullPath(entry), AssemblyPath, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    /// <summary>
    /// In the kernel process only: takes the hook out of the environment its children inherit (the kernel's NuGet
    /// restores run <c>dotnet</c>), then warms the compiler on a background thread; its state goes to <see cref="StatusKey"/>.
    /// </summary>
    internal static void Start()
    {
        if (System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name != KernelEntryAssembly) return;
        Environment.SetEnvironmentVariable(StartupHooksVariable, RemoveFrom(Environment.GetEnvironmentVariable(StartupHooksVariable)) is { Length: > 0 } rest ? rest : null);
        AppContext.SetData(StatusKey, "running");
        new Thread(WarmCompiler) { IsBackground = true, Name = "Saliency kernel warm-up" }.Start();
    }

    private static void WarmCompiler()
    {
        var clock = Stopwatch.StartNew();
        try
        {
            EmitSubmissions();
            AppContext.SetData(StatusKey, $"done in {clock.Elapsed.TotalSeconds:0.00} s");
        }
        catch (Exception e)
        {
            // The notebook runs all the same, only without the head start: say so where the runner reads the kernel's errors,
            // on the process's own standard error stream (the kernel replaces Console.Error with a writer of its own, which
            // feeds the outputs of cells).
            AppContext.SetData(StatusKey, $"failed: {e.GetType().Name}: {e.Message}");
            using var stderr = new StreamWriter(Console.OpenStandardError());
            stderr.WriteLine($"{FailurePrefix} {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>
    /// Compiles and emits (PE and portable PDB, as the kernel's scripting does) a first submission and one that continues
    /// it, using the language features notebook cells and the kit's extension use: usings, records, async local functions
    /// with doc comments, lambdas and LINQ, patterns, interpolation, initialisers, a further metadata reference.
    /// </summary>
    internal static void EmitSubmissions()
    {
        // ScriptOptions.Default references neither System.Linq nor System.Text.Json: name them (as the kernel names its own).
        ScriptOptions options = ScriptOptions.Default.AddReferences(
            typeof(Enumerable).Assembly, typeof(Dictionary<,>).Assembly, typeof(System.Text.Json.JsonSerializer).Assembly);
        Script first = CSharpScript.Create(FirstSubmission, options);
        Script next = first.ContinueWith(NextSubmission);
        foreach (Script script in new[] { first, next })
        {
            using var pe = new MemoryStream();
            using var pdb = new MemoryStream();
            EmitResult result = script.GetCompilation().Emit(pe, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb));
            if (!result.Success)
                throw new InvalidOperationException("the warm-up script did not compile: " +
                    string.Join("; ", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }
    }

    private const string FirstSubmission = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading.Tasks;

        record Point(double X, double Y);

        /// <summary>A documented helper, as the kit's extension defines them.</summary>
        async Task<string> Describe(string name, int count = 2)
        {
            var points = Enumerable.Range(0, count).Select(i => new Point(i, i * 0.5)).ToList();
            await Task.Yield();
            var first = points.OfType<Point>().FirstOrDefault(p => p.X > 0);
            if (first == null) throw new InvalidOperationException($"no point in {name}");
            return first is { X: > 0 } ? $"{name}: {first.X:0.00} of {points.Count}" : name;
        }

        var table = new Dictionary<string, double[]> { ["a"] = new[] { 1.0, 2.0 } };
        foreach (var (key, values) in table) { _ = values.Sum(); }
        string text = await Describe("warm");
        """;

    private const string NextSubmission = """
        var options = new System.Text.Json.JsonSerializerOptions { WriteIndented = true };
        Func<int, double> half = x => x / 2.0;
        text.Length + half(3)
        """;
}
