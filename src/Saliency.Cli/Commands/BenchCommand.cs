using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Saliency.Notebook.Benchmarks;
using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Models;
using Saliency.Notebook.Native;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.Training;
using TorchSharp;

namespace Saliency.Cli.Commands;

/// <summary>
/// <c>saliency bench</c>: GradCAM samples/s towards all latent dims, and the whole pipeline's time, per dataset; with <c>--scale N...</c> the
/// whole streaming pipeline on N synthetic series through the aircraft-flyover architecture, one child process per N so that each N's peak
/// resident memory is its own.
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
        var command = new Command("bench", "Benchmark |GradCAM| towards every latent dimension over each whole dataset, and the whole pipeline; or the streaming pipeline at scale.")
        {
            models, checkpoint, repeats, batchSize, device, output, gradCamOnly, scale, chunk, child,
        };
        var source = DataOptions.AddTo(command, many: true);
        command.SetAction(parse => CommandRunner.Run("bench", () =>
        {
            if (parse.GetValue(scale) is { Length: > 0 } sizes)
                return parse.GetValue(child)
                    ? RunScaleChild(sizes.Single(), parse.GetValue(chunk), parse.GetValue(device))
                    : RunScale(sizes, parse.GetValue(chunk), parse.GetValue(device), parse.GetValue(output));
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            string modelDir = parse.GetValue(models) ?? Path.Combine(DataPaths.FindRepoRoot(Environment.CurrentDirectory) ?? ".", "models");
            var overrides = (parse.GetValue(checkpoint) ?? []).Select(s => s.Split('=', 2))
                .ToDictionary(p => p.Length == 2 ? source.Canonical(parse, p[0]) : throw new ArgumentException($"--checkpoint takes NAME=FILE; got '{p[0]}'."), p => p[1]);
            var names = source.Names(parse);
            var results = new List<GradCamBenchmarkResult>();
            Console.WriteLine($"device {dev}, {torch.get_num_threads()} threads");
            foreach (string name in names)
            {
                using var ds = source.Load(parse, name);
                string? path = overrides.GetValueOrDefault(name) ?? (Directory.Exists(Path.Combine(modelDir, name)) ? Path.Combine(modelDir, name) : null);
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
        var progress = new ConsoleProgress(p =>
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

    /// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class ConsoleProgress(Action<StreamingProgress> report) : IProgress<StreamingProgress>
    {
        public void Report(StreamingProgress value) => report(value);
    }
}
