using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
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
/// <c>saliency bench</c>, one sub-command per benchmark, each with only its own options: <c>gradcam</c> (GradCAM samples/s towards all
/// latent dims and the whole pipeline's time, per dataset), <c>scale</c> (the whole streaming pipeline on N synthetic series, one N after
/// another with the peak resident memory reset between them) and <c>against-cpu</c> (the notebooks' GradCAM step on <c>--device</c> and on
/// the CPU side by side, maps compared), <c>evaluate</c> (the evaluation against a per-sample loop) and <c>methods</c> (each attribution method over
/// a whole dataset towards every latent dimension, for tests/bench/methods_vs_pytorch.py). Each parses its options and calls the library's benchmark.
/// </summary>
public static class BenchCommand
{
    public static Command Create() => new("bench", "Benchmarks: GradCAM per dataset (gradcam), the streaming pipeline at scale (scale), a device against the CPU (against-cpu), the evaluation against a per-sample loop (evaluate), each attribution method over whole datasets (methods).")
    {
        GradCam(), Scale(), AgainstCpu(), Evaluate(), Methods(),
    };

    private static Option<string?> Device() => new("--device") { Description = "auto, cpu, cuda or cuda:N" };

    private static Option<string?> Output() => new("--out") { Description = "also write the results as JSON to this file" };

    private static Option<string?> Models() => new("--models") { Description = "folder with one kit model per dataset (default: <repo root>/models); a dataset without one uses the paper's architecture, randomly initialised" };

    private static Option<string[]> Checkpoint() => new("--checkpoint") { Description = "NAME=FILE: use this model (e.g. an original .ckpt) for dataset NAME", AllowMultipleArgumentsPerToken = true };

    private static Option<int> Repeats() => new("--repeats") { Description = "timed runs per dataset (best and median reported)", DefaultValueFactory = _ => 5 };

    /// <summary>Fails before any work when --out names a file in a folder that does not exist.</summary>
    private static void CheckOutput(string? outputFile)
    {
        if (outputFile is not null && Path.GetDirectoryName(Path.GetFullPath(outputFile)) is { } folder && !Directory.Exists(folder))
            throw new DirectoryNotFoundException($"--out {outputFile}: the folder {folder} does not exist (checked before benchmarking, not after).");
    }

    /// <summary><c>bench gradcam</c>: the kit's GradCAM path (and the general path and the pipeline, unless --gradcam-only) per dataset.</summary>
    private static Command GradCam()
    {
        var models = Models();
        var checkpoint = Checkpoint();
        var repeats = Repeats();
        var batchSize = new Option<int?>("--batch-size") { Description = "rows per pass (samples × latent dims) (default: 1024 on a CPU, 16384 on CUDA)" };
        var device = Device();
        var output = Output();
        var gradCamOnly = new Option<bool>("--gradcam-only") { Description = "time the kit's GradCAM path only (no general path, no pipeline)" };
        var command = new Command("gradcam", "GradCAM towards every latent dimension over each whole dataset (the kit's path, the general path), and the whole pipeline.")
        {
            models, checkpoint, repeats, batchSize, device, output, gradCamOnly,
        };
        var source = DataOptions.AddTo(command, many: true);
        command.SetAction(parse => CommandRunner.Run("bench gradcam", () =>
        {
            CheckOutput(parse.GetValue(output));
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            var modelFor = ModelPaths(parse, source, models, checkpoint);
            var results = new List<GradCamBenchmarkResult>();
            Console.WriteLine($"device {dev}, {torch.get_num_threads()} threads");
            foreach (string name in source.Names(parse))
            {
                using var ds = source.Load(parse, name);
                string? path = modelFor(name);
                CVAE model;
                string description;
                if (path != null)
                {
                    model = ModelStore.Load(path, ds.C, ds.L, name, dev).Model;
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

    /// <summary><c>bench scale N...</c>: the streaming pipeline on N synthetic series, each N's peak resident memory its own.</summary>
    private static Command Scale()
    {
        var sizes = new Argument<long[]>("N") { Description = "numbers of synthetic series (L = 200, C = 2) to run through the aircraft-flyover architecture (D = 64)", Arity = ArgumentArity.OneOrMore };
        var chunk = new Option<int>("--chunk") { Description = "samples per chunk", DefaultValueFactory = _ => ChunkedSeries.DefaultChunkSize };
        var device = Device();
        var output = Output();
        var command = new Command("scale", "The whole streaming pipeline on N synthetic series, in memory that does not grow with N: seconds, samples/s and peak resident memory per N.")
        {
            sizes, chunk, device, output,
        };
        command.SetAction(parse => CommandRunner.Run("bench scale", () =>
        {
            CheckOutput(parse.GetValue(output));
            long[] ns = parse.GetValue(sizes)!;
            if (ns.Any(n => n < 1)) throw new ArgumentException($"N must be positive; got {string.Join(", ", ns.Where(n => n < 1))}.");
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            using var cancellation = new CancellationTokenSource();
            ConsoleCancelEventHandler stop = (_, e) => { e.Cancel = true; cancellation.Cancel(); };
            Console.CancelKeyPress += stop;
            try
            {
                var results = new List<ScaleBenchmarkResult>();
                Console.WriteLine($"streaming pipeline on synthetic series (L = 200, C = 2), aircraft-flyover architecture (D = 64, untrained), chunks of {parse.GetValue(chunk)}, " +
                                  "the peak resident memory reset before each N");
                foreach (long n in ns)
                {
                    var r = ScaleBenchmark.Run(n, dev, parse.GetValue(chunk), ProgressOnStderr(n), cancellation.Token);
                    results.Add(r);
                    var t = r.Timings;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"N={n,9}  {r.Seconds,8:F1} s  {r.SamplesPerSecond,8:F0} samples/s  peak RSS {r.PeakBytes / 1048576.0,6:F0} MiB (after warm-up {r.WarmPeakBytes / 1048576.0:F0} MiB)  " +
                        $"[encode {t.EncodeSeconds:F1}, gradcam {t.GradCamSeconds:F1}, projection {t.ProjectionSeconds:F1}, binning {t.BinningSeconds:F1} s; {r.Path}, {r.Device}]"));
                }
                if (results.Count > 1)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"peak RSS at N = {ns[^1]} / at N = {ns[0]}: {(double)results[^1].PeakBytes / results[0].PeakBytes:F3}"));
                if (parse.GetValue(output) is { } file)
                    WriteJson(file, results.Select(r => new { r.Samples, r.Seconds, r.SamplesPerSecond, r.WarmPeakBytes, r.PeakBytes, r.Timings, r.Path, r.Device }));
                return 0;
            }
            finally
            {
                Console.CancelKeyPress -= stop;
            }
        }));
        return command;
    }

    /// <summary>Progress of one N on stderr, every few seconds.</summary>
    private static IProgress<StreamingProgress> ProgressOnStderr(long n)
    {
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        return new SynchronousProgress<StreamingProgress>(p =>
        {
            if (clock.Elapsed - last < TimeSpan.FromSeconds(5) && p.Done != p.Total) return;
            last = clock.Elapsed;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  N={n}: {p.Pass,-6} {p.Done,9}/{p.Total} samples ({100.0 * p.Done / (p.Total ?? p.Done):F0}%), {clock.Elapsed.TotalSeconds:F0} s"));
        });
    }

    /// <summary><c>bench against-cpu</c>: the notebooks' GradCAM step of each dataset's model on --device and on the CPU.</summary>
    private static Command AgainstCpu()
    {
        var models = Models();
        var checkpoint = Checkpoint();
        var repeats = Repeats();
        var device = Device();
        var output = Output();
        var tf32 = new Option<string?>("--tf32") { Description = "on or off sets cuDNN's TF32 for the device's run (default: libtorch's default, as in the notebooks)" };
        var tolerance = new Option<double?>("--tolerance") { Description = "the largest |difference| / max |CPU map| that counts as equal (default: 1e-2 with TF32, 1e-4 without)" };
        var saveMaps = new Option<string?>("--save-maps") { Description = "write each dataset's maps on the device as DIR/<dataset>.npy (N, L, D)" };
        var command = new Command("against-cpu", "The notebooks' GradCAM step (each dataset's model) on --device and on the CPU: maps compared, times side by side; exit 1 when the maps differ beyond --tolerance.")
        {
            models, checkpoint, repeats, device, output, tf32, tolerance, saveMaps,
        };
        var source = DataOptions.AddTo(command, many: true);
        command.SetAction(parse => CommandRunner.Run("bench against-cpu", () =>
        {
            CheckOutput(parse.GetValue(output));
            bool? tf32Switch = Switch(parse.GetValue(tf32));
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            return RunAgainstCpu(parse, source, dev, ModelPaths(parse, source, models, checkpoint), parse.GetValue(repeats), tf32Switch,
                parse.GetValue(tolerance), parse.GetValue(saveMaps), parse.GetValue(output));
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
        var paths = names.ToDictionary(n => n, n => modelFor(n) ?? throw new ArgumentException($"bench against-cpu needs a model for {n}: give --checkpoint {n}=FILE or --models DIR with a {n} folder."));
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

    /// <summary><c>bench evaluate</c>: the evaluation's batched path against a straightforward per-sample loop of the same metrics, per method.</summary>
    private static Command Evaluate()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "a kit model folder or an original Lightning .ckpt", Required = true };
        var samples = new Option<int>("--samples") { Description = "the first N series (the per-sample loop is slow)", DefaultValueFactory = _ => 50 };
        var method = new Option<string[]>("--method") { Description = $"method(s): {string.Join(", ", Saliency.Notebook.Explainers.MethodRegistry.Names)} (default: all)", AllowMultipleArgumentsPerToken = true };
        var device = Device();
        var output = Output();
        var command = new Command("evaluate", "The evaluation (deletion/insertion AUC, max-sensitivity, randomisation distance) batched against a per-sample loop of the same metrics, side by side, per method.")
        {
            checkpoint, samples, method, device, output,
        };
        var source = DataOptions.AddTo(command);
        command.SetAction(parse => CommandRunner.Run("bench evaluate", () =>
        {
            CheckOutput(parse.GetValue(output));
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            using var ds = source.Load(parse);
            using var loaded = ModelStore.Load(parse.GetValue(checkpoint)!, ds.C, ds.L, ds.Info.Name, dev);
            var options = new Saliency.Notebook.Evaluation.EvaluationOptions { Methods = parse.GetValue(method) ?? [], Device = dev };
            options.Validate();
            Console.WriteLine($"device {dev}, {torch.get_num_threads()} threads; {ds.Info.Name}, first {Math.Min(parse.GetValue(samples), ds.N)} series, target {options.Target}");
            Console.WriteLine($"{"method",-11} {"batched s",10} {"loop s",10} {"speed-up",9} {"max |Δmetric|",14} {"max |Δscore|",13} {"reordered",9}");
            var result = EvaluationBenchmark.Run(loaded, ds, options, parse.GetValue(samples), new SynchronousProgress<EvaluationBenchmarkRow>(r =>
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Method,-11} {r.BatchedSeconds,10:F2} {r.LoopSeconds,10:F2} {r.Speedup,8:F1}× {r.MaxDifference,14:E1} {r.ScoreDifference,13:E1} {r.ReorderedSamples,9} ({r.WorstMetric})"))));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"all",-11} {result.Rows.Sum(r => r.BatchedSeconds),10:F2} {result.Rows.Sum(r => r.LoopSeconds),10:F2} {result.Speedup,8:F1}×"));
            if (parse.GetValue(output) is { } file)
                WriteJson(file, new { result.Dataset, result.Samples, result.Device, result.Speedup, Rows = result.Rows.Select(r => new { r.Method, r.BatchedSeconds, r.LoopSeconds, r.Speedup, r.MaxDifference, r.WorstMetric, r.ScoreDifference, r.ReorderedSamples }) });
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// <c>bench methods</c>: each chosen method's <c>Attribute</c> over each whole dataset towards every latent dimension (best and median of
    /// --repeats calls after a warm-up), and with --save-first K the warm-up's attribution of the first K series as DIR/&lt;dataset&gt;_&lt;method&gt;.npy.
    /// </summary>
    private static Command Methods()
    {
        var models = Models();
        var checkpoint = Checkpoint();
        var repeats = new Option<int>("--repeats") { Description = "timed calls per method and dataset after a warm-up (best and median reported)", DefaultValueFactory = _ => 3 };
        var method = new Option<string[]>("--method") { Description = $"method(s): {string.Join(", ", Saliency.Notebook.Explainers.MethodRegistry.Names)} (default: all)", AllowMultipleArgumentsPerToken = true };
        var samples = new Option<int?>("--samples") { Description = "the first N series of each dataset (default: all)" };
        var batchSize = new Option<int?>("--batch-size") { Description = "rows per pass (default: each method's, 1024 on a CPU)" };
        var saveFirst = new Option<int>("--save-first") { Description = "also write the attribution of the first K series of each dataset and method (raw layout, e.g. (K, L, T) or (K, L, C, T)) to --save-dir", DefaultValueFactory = _ => 0 };
        var saveDir = new Option<string?>("--save-dir") { Description = "folder of the --save-first files, <dataset>_<method>.npy (default: the current folder)" };
        var device = Device();
        var output = Output();
        var command = new Command("methods", "Each attribution method over each whole dataset towards every latent dimension, with the kit's default settings: seconds per method.")
        {
            models, checkpoint, repeats, method, samples, batchSize, saveFirst, saveDir, device, output,
        };
        var source = DataOptions.AddTo(command, many: true);
        command.SetAction(parse => CommandRunner.Run("bench methods", () =>
        {
            CheckOutput(parse.GetValue(output));
            if (parse.GetValue(samples) is < 1) throw new ArgumentException($"--samples must be at least 1; got {parse.GetValue(samples)}.");
            if (parse.GetValue(saveFirst) < 0) throw new ArgumentException($"--save-first must not be negative; got {parse.GetValue(saveFirst)}.");
            var chosen = (parse.GetValue(method) is { Length: > 0 } names ? names : Saliency.Notebook.Explainers.MethodRegistry.Names.ToArray())
                .Select(Saliency.Notebook.Explainers.MethodRegistry.Get).ToArray();
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            var modelFor = ModelPaths(parse, source, models, checkpoint);
            string folder = parse.GetValue(saveDir) ?? ".";
            if (parse.GetValue(saveFirst) > 0) Directory.CreateDirectory(folder);
            var results = new List<MethodBenchmarkResult>();
            Console.WriteLine($"device {dev}, {torch.get_num_threads()} threads, {parse.GetValue(repeats)} timed calls after a warm-up");
            foreach (string name in source.Names(parse))
            {
                string path = modelFor(name) ?? throw new ArgumentException($"bench methods needs a model for {name}: give --checkpoint {name}=FILE or --models DIR with a {name} folder.");
                using var ds = source.Load(parse, name);
                using var loaded = ModelStore.Load(path, ds.C, ds.L, name, dev);
                using var x = ds.X.narrow(0, 0, Math.Min(parse.GetValue(samples) ?? ds.N, ds.N)).to(dev);
                foreach (var m in chosen)
                {
                    var (r, first) = MethodBenchmark.Run(loaded, m, x, name, dev, parse.GetValue(repeats), parse.GetValue(batchSize), parse.GetValue(saveFirst));
                    using (first)
                        if (first is not null) NpyWriter.Write(Path.Combine(folder, $"{name}_{m.Name}.npy"), first);
                    results.Add(r);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{r.Dataset,-9} N={r.Samples,5} C={r.Channels} L={r.Length,3} D={r.LatentDim,2}  {r.Method,-10} best {r.BestSeconds,9:F4} s (median {r.MedianSeconds:F4})   [{r.Settings}]"));
                }
            }
            if (parse.GetValue(output) is { } file) WriteJson(file, results);
            return 0;
        }));
        return command;
    }

    private static void WriteJson(string file, object value) =>
        AtomicFile.WriteAllText(file, JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = true }));
}
