using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Saliency.Notebook.Benchmarks;
using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.IO;
using Saliency.Notebook.Models;
using Saliency.Notebook.Native;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Cli.Commands;

/// <summary>
/// <c>saliency bench</c>: GradCAM samples/s towards all latent dims, and the whole pipeline's time, per dataset; with <c>--scale N...</c> the
/// whole streaming pipeline on N synthetic series through the aircraft-flyover architecture, one child process per N so that each N's peak
/// resident memory is its own; with <c>--against-cpu</c> the notebooks' GradCAM step on <c>--device</c> and on the CPU side by side, maps compared.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var models = new Option<string?>("--models") { Description = "folder with one kit model per dataset (default: <repo root>/models); a dataset without one uses the paper's architecture, randomly initialised" };
        var checkpoint = new Option<string[]>("--checkpoint") { Description = "NAME=FILE: use this model (e.g. an original .ckpt) for dataset NAME", AllowMultipleArgumentsPerToken = true };
        var repeats = new Option<int>("--repeats") { Description = "timed runs per dataset (best and median reported)", DefaultValueFactory = _ => 5 };
        var batchSize = new Option<int?>("--batch-size") { Description = "rows per pass (samples × latent dims) (default: 1024 on a CPU, 16384 on CUDA)" };
        var device = new Option<string?>("--device") { Description = "auto, cpu, cuda or cuda:N" };
        var output = new Option<string?>("--out") { Description = "also write the results as JSON to this file" };
        var gradCamOnly = new Option<bool>("--gradcam-only") { Description = "time the kit's GradCAM path only (no general path, no pipeline)" };
        var scale = new Option<long[]>("--scale") { Description = "N...: the whole streaming pipeline on N synthetic series (L = 200, C = 2) through the aircraft-flyover architecture (D = 64), one process per N", AllowMultipleArgumentsPerToken = true };
        var chunk = new Option<int>("--chunk") { Description = "--scale: samples per chunk", DefaultValueFactory = _ => ChunkedSeries.DefaultChunkSize };
        var child = new Option<bool>("--scale-child") { Hidden = true };
        var againstCpu = new Option<bool>("--against-cpu") { Description = "run the notebooks' GradCAM step (each dataset's model) on --device and on the CPU, and compare the maps and the times; exit 1 when the maps differ beyond --tolerance" };
        var tf32 = new Option<string?>("--tf32") { Description = "--against-cpu: on or off sets cuDNN's TF32 for the device's run (default: libtorch's default, as in the notebooks)" };
        var tolerance = new Option<double?>("--tolerance") { Description = "--against-cpu: the largest |difference| / max |CPU map| that counts as equal (default: 1e-2 with TF32, 1e-4 without)" };
        var saveMaps = new Option<string?>("--save-maps") { Description = "--against-cpu: write each dataset's maps on the device as DIR/<dataset>.npy (N, L, D)" };
        var command = new Command("bench", "Benchmark |GradCAM| towards every latent dimension over each whole dataset, and the whole pipeline; or the streaming pipeline at scale.")
        {
            models, checkpoint, repeats, batchSize, device, output, gradCamOnly, scale, chunk, child, againstCpu, tf32, tolerance, saveMaps,
        };
        var source = DataOptions.AddTo(command, many: true);
        command.SetAction(parse => CommandRunner.Run("bench", () =>
        {
            if (parse.GetValue(output) is { } outputFile && Path.GetDirectoryName(Path.GetFullPath(outputFile)) is { } outputFolder && !Directory.Exists(outputFolder))
                throw new DirectoryNotFoundException($"--out {outputFile}: the folder {outputFolder} does not exist (checked before benchmarking, not after).");
            if (parse.GetValue(againstCpu) && (parse.GetValue(scale) is { Length: > 0 } || parse.GetValue(gradCamOnly) || parse.GetValue(batchSize) is not null))
                throw new ArgumentException("--against-cpu times the notebooks' GradCAM step as the notebooks run it: it takes neither --scale, --gradcam-only nor --batch-size.");
            // Each mode reads only its own options: one given to another mode is a mistake to report, not to ignore.
            string[] Given(params Option[] options) => options.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToArray();
            if (!parse.GetValue(againstCpu) && Given(tf32, tolerance, saveMaps) is { Length: > 0 } comparisonOnly)
                throw new ArgumentException($"{string.Join(", ", comparisonOnly)} apply to --against-cpu only.");
            if (parse.GetValue(scale) is { Length: > 0 } && Given(models, checkpoint, repeats, batchSize, gradCamOnly).Concat(source.Given(parse)).ToArray() is { Length: > 0 } datasetOnly)
                throw new ArgumentException($"--scale runs synthetic series through the aircraft-flyover architecture: it takes --chunk, --device and --out, not {string.Join(", ", datasetOnly)}.");
            if (parse.GetValue(scale) is not { Length: > 0 } && Given(chunk) is { Length: > 0 })
                throw new ArgumentException("--chunk applies to --scale only.");
            if (parse.GetValue(scale) is { Length: > 0 } sizes)
                return parse.GetValue(child)
                    ? RunScaleChild(sizes.Single(), parse.GetValue(chunk), parse.GetValue(device))
                    : RunScale(sizes, parse.GetValue(chunk), parse.GetValue(device), parse.GetValue(output));
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            if (parse.GetValue(againstCpu))
                return RunAgainstCpu(parse, source, dev, ModelPaths(parse, source, models, checkpoint), parse.GetValue(repeats), Switch(parse.GetValue(tf32)),
                    parse.GetValue(tolerance), parse.GetValue(saveMaps), parse.GetValue(output));
            var modelFor = ModelPaths(parse, source, models, checkpoint);
            var names = source.Names(parse);
            var results = new List<GradCamBenchmarkResult>();
            Console.WriteLine($"device {dev}, {torch.get_num_threads()} threads");
            foreach (string name in names)
            {
                using var ds = source.Load(parse, name);
                string? path = modelFor(name);
                CVAE model;
                string description;
                if (path != null)
                {
                    var loaded = ModelStore.Load(path, ds.C, ds.L, name, dev);
                    model = loaded.Model;
                    description = path;
                }
                else
                {
                    torch.manual_seed(0);
                    model = new CVAE(TrainingPresets.For(ds.Info, ds.C, ds.L).Config); // the architecture `saliency train` would build
                    model.to(dev).eval();
                    description = "paper architecture, random weights";
                }
                using (model)
                {
                    var r = GradCamBenchmark.Run(model, description, ds, dev, parse.GetValue(repeats), parse.GetValue(batchSize), parse.GetValue(gradCamOnly));
                    results.Add(r);
                    string rest = r.GeneralBestSeconds is double general
                        ? string.Create(CultureInfo.InvariantCulture, $"   general path best {general:F4} s (median {r.GeneralMedianSeconds:F4})   pipeline {r.PipelineSeconds:F3} s")
                        : "";
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{r.Dataset,-17} N={r.Samples,5} L={r.Length,3} D={r.LatentDim,2}  gradcam ({r.Path}) best {r.BestSeconds:F4} s (median {r.MedianSeconds:F4}) = {r.SamplesPerSecond,9:F0} samples/s{rest}   [{r.Model}]"));
                }
            }
            if (parse.GetValue(output) is { } file)
                WriteJson(file, results.Select(r => new { r.Dataset, r.Device, r.Model, r.Samples, r.Length, r.LatentDim, r.Repeats, r.Path, r.BestSeconds, r.MedianSeconds, r.SamplesPerSecond, r.GeneralBestSeconds, r.GeneralMedianSeconds, r.PipelineSeconds }));
            return 0;
        }));
        return command;
    }

    /// <summary>The model of each dataset: its --checkpoint NAME=FILE, else the folder --models/NAME when there is one, else null.</summary>
    private static Func<string, string?> ModelPaths(ParseResult parse, DataOptions source, Option<string?> models, Option<string[]> checkpoint)
    {
        string modelDir = parse.GetValue(models) ?? Path.Combine(DataPaths.FindRepoRoot(Environment.CurrentDirectory) ?? ".", "models");
        var overrides = (parse.GetValue(checkpoint) ?? []).Select(s => s.Split('=', 2))
            .ToDictionary(p => p.Length == 2 ? source.Canonical(parse, p[0]) : throw new ArgumentException($"--checkpoint takes NAME=FILE; got '{p[0]}'."), p => p[1]);
        return name => overrides.GetValueOrDefault(name) ?? (Directory.Exists(Path.Combine(modelDir, name)) ? Path.Combine(modelDir, name) : null);
    }

    private static bool? Switch(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "on" => true,
        "off" => false,
        _ => throw new ArgumentException($"--tf32 takes on or off; got '{value}'."),
    };

    /// <summary>
    /// The notebooks' GradCAM step of each dataset's model on <paramref name="device"/> and on the CPU (<see cref="DeviceComparison"/>): a table of
    /// the maps' difference and both times; exit 1 when a dataset's maps differ beyond the tolerance.
    /// </summary>
    private static int RunAgainstCpu(ParseResult parse, DataOptions source, Device device, Func<string, string?> modelFor, int repeats, bool? tf32,
        double? tolerance, string? saveMaps, string? output)
    {
        if (tolerance is <= 0 or >= 1 || tolerance is double t && double.IsNaN(t)) throw new ArgumentException($"--tolerance must be between 0 and 1; got {tolerance}.");
        var names = source.Names(parse);
        var paths = names.ToDictionary(n => n, n => modelFor(n) ?? throw new ArgumentException($"--against-cpu needs a model for {n}: give --checkpoint {n}=FILE or --models DIR with a {n} folder."));
        if (saveMaps is not null) Directory.CreateDirectory(saveMaps);
        Console.WriteLine($"the notebooks' GradCAM step on {device} against the CPU ({torch.get_num_threads()} CPU threads), {repeats} timed calls after a first one");
        var results = new List<DeviceComparisonResult>();
        int failures = 0;
        foreach (string name in names)
        {
            using var ds = source.Load(parse, name);
            var r = DeviceComparison.Run(dev => ModelStore.Load(paths[name], ds.C, ds.L, name, dev), ds, torch.CPU, device, repeats, tf32,
                saveMaps is null ? null : maps => NpyWriter.Write(Path.Combine(saveMaps, name + ".npy"), maps));
            results.Add(r);
            double limit = tolerance ?? DeviceComparison.DefaultTolerance(r.Tf32);
            bool equal = r.Difference.MaxRelative <= limit;
            if (!equal) failures++;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Dataset,-17} N={r.Samples,5} L={r.Length,3} D={r.LatentDim,2}  max |Δ| {r.Difference.MaxAbsolute:E2} = {r.Difference.MaxRelative:E2} of max |map| (L1 {r.Difference.RelativeL1:E2}), TF32 {(r.Tf32 ? "on" : "off")}: {(equal ? "equal" : "DIFFERENT")} within {limit:G2}   " +
                $"cpu first {r.Reference.FirstSeconds:F3} s, best {r.Reference.BestSeconds:F4} s   {r.Device.Device} first {r.Device.FirstSeconds:F3} s, best {r.Device.BestSeconds:F4} s   {r.Speedup:F1}x   [{r.Model}]"));
        }
        if (output is not null) WriteJson(output, results.Select(r => new { r.Dataset, r.Model, r.Samples, r.Length, r.LatentDim, r.Repeats, r.Tf32, r.Reference, r.Device, r.Difference, r.Difference.MaxRelative, r.Speedup }));
        if (failures > 0) Console.Error.WriteLine($"saliency bench: the maps on {device} differ from the CPU's beyond the tolerance for {failures} of {names.Count} datasets.");
        return failures > 0 ? 1 : 0;
    }

    /// <summary>Runs each N in a child process (a fair per-N peak resident memory), prints a table and, with --out, the results as JSON.</summary>
    private static int RunScale(long[] sizes, int chunk, string? device, string? output)
    {
        var results = new List<JsonElement>();
        Console.WriteLine($"streaming pipeline on synthetic series (L = 200, C = 2), aircraft-flyover architecture (D = 64, untrained), chunks of {chunk}, one process per N");
        foreach (long n in sizes)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
            foreach (string arg in new[] { "bench", "--scale", n.ToString(CultureInfo.InvariantCulture), "--scale-child", "--chunk", chunk.ToString(CultureInfo.InvariantCulture) })
                start.ArgumentList.Add(arg);
            if (device is not null) { start.ArgumentList.Add("--device"); start.ArgumentList.Add(device); }
            using var process = Process.Start(start)!;
            string json = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"the run for N = {n} failed (exit {process.ExitCode}).");
            var r = JsonDocument.Parse(json).RootElement.Clone();
            results.Add(r);
            var t = r.GetProperty("Timings");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"N={n,9}  {r.GetProperty("Seconds").GetDouble(),8:F1} s  {r.GetProperty("SamplesPerSecond").GetDouble(),8:F0} samples/s  peak RSS {r.GetProperty("PeakBytes").GetInt64() / 1048576.0,6:F0} MiB (after warm-up {r.GetProperty("WarmPeakBytes").GetInt64() / 1048576.0:F0} MiB)  " +
                $"[encode {t.GetProperty("EncodeSeconds").GetDouble():F1}, gradcam {t.GetProperty("GradCamSeconds").GetDouble():F1}, projection {t.GetProperty("ProjectionSeconds").GetDouble():F1}, binning {t.GetProperty("BinningSeconds").GetDouble():F1} s; {r.GetProperty("Path").GetString()}, {r.GetProperty("Device").GetString()}]"));
        }
        if (results.Count > 1)
        {
            double first = results[0].GetProperty("PeakBytes").GetInt64(), last = results[^1].GetProperty("PeakBytes").GetInt64();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak RSS at N = {sizes[^1]} / at N = {sizes[0]}: {last / first:F3}"));
        }
        if (output is not null) WriteJson(output, results);
        return 0;
    }

    /// <summary>One N in this process: progress on stderr every few seconds, the result as one JSON object on stdout.</summary>
    private static int RunScaleChild(long n, int chunk, string? device)
    {
        var dev = TorchRuntime.ResolveDevice(device);
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        var progress = new SynchronousProgress<StreamingProgress>(p =>
        {
            if (clock.Elapsed - last < TimeSpan.FromSeconds(5) && p.Done != p.Total) return;
            last = clock.Elapsed;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  N={n}: {p.Pass,-6} {p.Done,9}/{p.Total} samples ({100.0 * p.Done / (p.Total ?? p.Done):F0}%), {clock.Elapsed.TotalSeconds:F0} s"));
        });
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };
        var result = ScaleBenchmark.Run(n, dev, chunk, progress, cancellation.Token);
        Console.WriteLine(JsonSerializer.Serialize(new { result.Samples, result.Seconds, result.SamplesPerSecond, result.WarmPeakBytes, result.PeakBytes, result.Timings, result.Path, result.Device }));
        return 0;
    }

    private static void WriteJson(string file, object value)
    {
        string full = Path.GetFullPath(file), temp = full + $".{Environment.ProcessId}.tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, full, overwrite: true);
    }
}
