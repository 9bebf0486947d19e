using System.Diagnostics;
using System.Text.Json.Nodes;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.Tests.Models;

namespace Saliency.Notebook.Tests.Cli;

/// <summary>
/// <c>saliency pipeline moments|fit|maps|merge</c> as a scheduler runs them: four worker processes at once per pass (two given
/// <c>--shard I/4</c>, one a Kubernetes Indexed Job's index, one a Slurm array task's), then the fit and the merge, on the paper's eog
/// data and checkpoint; the merged folder holds the one-machine <c>saliency pipeline</c>'s files and maps.
/// </summary>
public class ShardedPipelineCommandTests
{
    private static readonly string Tool = Path.Combine(AppContext.BaseDirectory, "saliency");

    [Fact]
    public async Task Four_worker_processes_and_the_merge_write_the_one_machine_files()
    {
        string dir = Directory.CreateTempSubdirectory("sharded-cli-").FullName;
        try
        {
            string checkpoint = OriginalFiles.Checkpoint("eog"), parts = Path.Combine(dir, "parts"), fit = Path.Combine(dir, "fit.json");
            string[] data = ["--dataset", "eog", "--data", TestData.DataDirectory];
            Ok(await Saliency(["pipeline", "--checkpoint", checkpoint, .. data, "--out", Path.Combine(dir, "one")]));

            Ok(await Task.WhenAll(Workers(shard => ["pipeline", "moments", "--checkpoint", checkpoint, .. data, "--shard", shard.Text, "--out", parts], shard => shard.Env)));
            Ok(await Saliency(["pipeline", "fit", "--partials", parts, "--out", fit]));
            Ok(await Task.WhenAll(Workers(shard => ["pipeline", "maps", "--checkpoint", checkpoint, .. data, "--fit", fit, "--shard", shard.Text, "--out", parts], shard => shard.Env)));
            Ok(await Saliency(["pipeline", "merge", "--fit", fit, "--partials", parts, "--out", Path.Combine(dir, "merged")]));

            string one = Path.Combine(dir, "one"), merged = Path.Combine(dir, "merged");
            Assert.Equal(Directory.GetFiles(one).Select(Path.GetFileName).Order(), Directory.GetFiles(merged).Select(Path.GetFileName).Order());
            Assert.Equal(Floats(one, "latents.npy"), Floats(merged, "latents.npy"));
            foreach (string maps in new[] { "maps.npy", "maps_norm.npy", "combined.npy" })
            {
                float[] expected = Floats(one, maps), actual = Floats(merged, maps);
                Assert.Equal(expected.Length, actual.Length);
                float scale = expected.Max(Math.Abs);
                Assert.True(expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max() <= 1e-6f * scale, maps);   // float32 files of maps equal within 1e-9 in float64
            }
            var summaryOne = JsonNode.Parse(File.ReadAllText(Path.Combine(one, "summary.json")))!.AsObject();
            var summaryMerged = JsonNode.Parse(File.ReadAllText(Path.Combine(merged, "summary.json")))!.AsObject();
            Assert.Equal(summaryOne.Select(p => p.Key), summaryMerged.Select(p => p.Key));
            Assert.True(JsonNode.DeepEquals(summaryOne["dataset"], summaryMerged["dataset"]) && JsonNode.DeepEquals(summaryOne["samples"], summaryMerged["samples"])
                        && JsonNode.DeepEquals(summaryOne["gradcam_path"], summaryMerged["gradcam_path"]) && JsonNode.DeepEquals(summaryOne["second_axis_range"], summaryMerged["second_axis_range"]));

            // The partials are small: a moments partial holds D + D² numbers, a maps partial the bins of 3 labels × 2 components.
            Assert.All(Directory.GetFiles(parts, "moments-*.npz"), f => Assert.True(new FileInfo(f).Length < 32_000, f));
            Assert.All(Directory.GetFiles(parts, "maps-*.npz"), f => Assert.True(new FileInfo(f).Length < 3 * 2 * 200 * 200 * 8 * 2, f));

            // A missing shard: exit 1 and one line naming it; nothing written.
            string three = Path.Combine(dir, "three");
            Directory.CreateDirectory(three);
            foreach (var file in Directory.GetFiles(parts).Where(f => !Path.GetFileName(f).StartsWith("maps-0002", StringComparison.Ordinal)))
                File.Copy(file, Path.Combine(three, Path.GetFileName(file)));
            var (code, _, error) = await Saliency(["pipeline", "merge", "--fit", fit, "--partials", three, "--out", Path.Combine(dir, "incomplete")]);
            Assert.Equal(1, code);
            Assert.StartsWith("saliency pipeline merge: Shard 2 of 4 is missing from the partials", error);
            Assert.False(Directory.Exists(Path.Combine(dir, "incomplete")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public async Task A_worker_stopped_by_the_schedulers_SIGTERM_leaves_no_partial()
    {
        // A scheduler's time limit or cancel sends SIGTERM: the pass stops between chunks, writes nothing and exits 143, so the
        // shard is simply run again. 50,000 eog-shaped series keep the worker busy for seconds;
        // the signal goes once the pass has started.
        string dir = Directory.CreateTempSubdirectory("sharded-sigterm-").FullName;
        try
        {
            string values = Path.Combine(dir, "series.npy"), labels = Path.Combine(dir, "labels.txt"), parts = Path.Combine(dir, "parts");
            var random = new Random(3);
            NpyWriter.Write(values, Enumerable.Range(0, 50_000 * 200).Select(_ => (float)random.NextDouble()).ToArray(), 50_000, 200, 1);
            File.WriteAllLines(labels, Enumerable.Range(0, 50_000).Select(i => (i % 3).ToString()));
            var start = new ProcessStartInfo(Tool) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string arg in new[] { "pipeline", "moments", "--checkpoint", OriginalFiles.Checkpoint("eog"), "--data", values, "--labels", labels, "--shard", "1/1", "--out", parts })
                start.ArgumentList.Add(arg);
            using var worker = Process.Start(start)!;
            Task<string> error = worker.StandardError.ReadToEndAsync(), output = worker.StandardOutput.ReadToEndAsync();
            // The pass opens its latents file (a hidden temporary one until it completes) when it starts: then the signal.
            var clock = Stopwatch.StartNew();
            while (!worker.HasExited && clock.Elapsed < TimeSpan.FromMinutes(3)
                   && !(Directory.Exists(parts) && Directory.EnumerateFiles(parts).Any(f => Path.GetFileName(f).StartsWith(".latents-", StringComparison.Ordinal))))
                await Task.Delay(20);
            if (worker.HasExited) Assert.Fail($"the worker ended before the signal: {await error}");
            Assert.Equal(0, Kill(worker.Id, 15));
            await worker.WaitForExitAsync();
            Assert.True(worker.ExitCode == 143, $"exit {worker.ExitCode}: {await error}\n{await output}");
            Assert.Contains("saliency pipeline moments: stopped by SIGTERM; no partial was written; run the shard again.", await error);
            Assert.Empty(Directory.GetFileSystemEntries(parts));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private sealed record WorkerShard(string Text, Dictionary<string, string> Env);

    /// <summary>The four workers: shards 1 and 2 by number, 3 as a Kubernetes Indexed Job's pod, 4 as a Slurm array task.</summary>
    private static IEnumerable<Task<(int Code, string Output, string Error)>> Workers(Func<WorkerShard, string[]> args, Func<WorkerShard, Dictionary<string, string>> env)
    {
        WorkerShard[] shards =
        [
            new("1/4", []), new("2/4", []),
            new("auto/4", new() { ["JOB_COMPLETION_INDEX"] = "2" }),
            new("auto", new() { ["SLURM_ARRAY_TASK_ID"] = "4", ["SLURM_ARRAY_TASK_MIN"] = "1", ["SLURM_ARRAY_TASK_MAX"] = "4", ["SLURM_ARRAY_TASK_COUNT"] = "4" }),
        ];
        return shards.Select(shard => Saliency(args(shard), env(shard))).ToArray();
    }

    private static async Task<(int Code, string Output, string Error)> Saliency(string[] args, Dictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo(Tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        foreach (string name in new[] { "JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_COUNT" })
            start.Environment.Remove(name);
        foreach (var (name, value) in env ?? []) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    private static void Ok(params (int Code, string Output, string Error)[] runs)
    {
        foreach (var run in runs) Assert.True(run.Code == 0, $"exit {run.Code}: {run.Error}\n{run.Output}");
    }

    private static float[] Floats(string dir, string name) => NpyReader.Read(Path.Combine(dir, name)).ToSingleArray();
}
