using System.Text.Json;
using Saliency.Cli.Commands;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;

namespace Saliency.Notebook.Tests.Cli;

/// <summary><c>saliency bench against-cpu</c>: the comparison's JSON and maps end to end (CPU against CPU here); bad options, and options of another bench sub-command, as exit 1 with nothing written.</summary>
public class BenchAgainstCpuCommandTests
{
    private static string SymbolsCheckpoint => TestData.Checkpoint("symbols");

    private static int Invoke(params string[] args) => BenchCommand.Create().Parse(args).Invoke();

    [Fact]
    public void Writes_the_comparison_and_the_devices_maps()
    {
        string dir = Directory.CreateTempSubdirectory("against-cpu-").FullName;
        try
        {
            Assert.Equal(0, Invoke("against-cpu", "--device", "cpu", "--dataset", "symbols", "--data", TestData.DataDirectory,
                "--checkpoint", $"symbols={SymbolsCheckpoint}", "--repeats", "1", "--out", Path.Combine(dir, "cmp.json"), "--save-maps", Path.Combine(dir, "maps")));

            var row = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "cmp.json"))).RootElement.EnumerateArray().Single();
            Assert.Equal("symbols", row.GetProperty("Dataset").GetString());
            Assert.Equal(0, row.GetProperty("MaxRelative").GetDouble());
            Assert.Equal("cpu", row.GetProperty("Device").GetProperty("Device").GetString());
            using var data = DatasetRegistry.Load("symbols", TestData.DataDirectory);
            using var model = ModelStore.Load(SymbolsCheckpoint, data.C, data.L, "symbols");
            using var step = new Saliency.Notebook.Explainers.GradCam(model).Attribute(data);
            var saved = NpyReader.Read(Path.Combine(dir, "maps", "symbols.npy"));
            Assert.Equal(new long[] { 1100, 60, 16 }, saved.Shape);
            Assert.Equal(step.Values.data<float>().ToArray(), saved.ToSingleArray());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("--tf32", "maybe")]
    [InlineData("--tolerance", "2")]
    [InlineData("--tolerance", "NaN")]
    [InlineData("--batch-size", "64")] // the notebooks' step runs with its default batch: not an option of against-cpu
    [InlineData("--models", "MISSING")] // no model for the dataset: against-cpu never falls back to random weights
    public void Bad_options_exit_with_1_and_write_nothing(string option, string value)
    {
        string dir = Directory.CreateTempSubdirectory("against-cpu-bad-").FullName;
        try
        {
            if (value == "MISSING") value = Path.Combine(dir, "no-models");
            Assert.Equal(1, Invoke("against-cpu", "--device", "cpu", "--dataset", "symbols", "--data", TestData.DataDirectory, option, value,
                "--out", Path.Combine(dir, "cmp.json"), "--save-maps", Path.Combine(dir, "maps")));
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("gradcam --dataset symbols --repeats 1 --gradcam-only --tf32 on")]    // against-cpu's options in another sub-command
    [InlineData("gradcam --dataset symbols --repeats 1 --gradcam-only --tolerance 0.5")]
    [InlineData("gradcam --dataset symbols --repeats 1 --gradcam-only --save-maps SAVE")]
    [InlineData("gradcam --dataset symbols --repeats 1 --gradcam-only --chunk 64")]   // scale's --chunk
    [InlineData("scale 100 --dataset eog")]                                           // scale reads no dataset and no model
    [InlineData("scale 100 --repeats 3")]
    [InlineData("scale 100 --checkpoint eog=NOWHERE")]
    [InlineData("scale 100 --gradcam-only")]
    [InlineData("scale 0")]                                                           // N must be positive
    [InlineData("--dataset symbols")]                                                 // no sub-command
    public void Options_of_another_mode_exit_with_1_and_write_nothing(string arguments)
    {
        string dir = Directory.CreateTempSubdirectory("bench-mode-").FullName;
        try
        {
            var args = arguments.Replace("SAVE", Path.Combine(dir, "maps")).Split(' ').ToList();
            if (args.Contains("--dataset")) args.AddRange(["--data", TestData.DataDirectory]);
            args.AddRange(["--device", "cpu", "--out", Path.Combine(dir, "bench.json")]);
            Assert.Equal(1, Invoke([.. args]));
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void An_out_file_in_a_missing_folder_exits_with_1_before_benchmarking()
    {
        string dir = Directory.CreateTempSubdirectory("against-cpu-out-").FullName;
        try
        {
            Assert.Equal(1, Invoke("against-cpu", "--device", "cpu", "--dataset", "symbols", "--data", TestData.DataDirectory,
                "--checkpoint", $"symbols={SymbolsCheckpoint}", "--repeats", "1", "--out", Path.Combine(dir, "missing", "cmp.json"),
                "--save-maps", Path.Combine(dir, "maps")));
            Assert.Empty(Directory.GetFileSystemEntries(dir));                 // no maps: it stopped before computing any
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
