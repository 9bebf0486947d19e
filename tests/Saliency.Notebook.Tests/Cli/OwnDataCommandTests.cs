using System.Globalization;
using System.Text;
using Saliency.Cli.Commands;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.Models;
using Saliency.Notebook.Tests.Pipeline;
using Saliency.Notebook.Tests.Training;
using TorchSharp;

namespace Saliency.Notebook.Tests.Cli;

/// <summary><c>--data FILE</c> wherever <c>--dataset NAME</c> is accepted: train, encode, explain, pipeline, sanity and bench on a CSV
/// of the planted-bump series; and the option combinations that are errors.</summary>
[Collection(GlobalTorchRandomness.Name)]
public class OwnDataCommandTests
{
    private static int Invoke(System.CommandLine.Command command, params string[] args) => command.Parse(args).Invoke();

    private static string WriteCsv(string dir)
    {
        var (values, labels) = PlantedBumpTests.Planted(40, seed: 2);
        var text = new StringBuilder("label," + string.Join(",", Enumerable.Range(0, PlantedBumpTests.Length).Select(t => $"t{t}")) + "\n");
        for (int n = 0; n < labels.Length; n++)
            text.Append(labels[n]).Append(',').AppendJoin(',', Enumerable.Range(0, PlantedBumpTests.Length).Select(t => values[n, t, 0].ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        string path = Path.Combine(dir, "bumps.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [Fact]
    public void Every_dataset_command_takes_a_csv_of_your_own()
    {
        string dir = Directory.CreateTempSubdirectory("own-data-").FullName;
        try
        {
            string csv = WriteCsv(dir), model = Path.Combine(dir, "model"), run = Path.Combine(dir, "run");
            Assert.Equal(0, Invoke(TrainCommand.Create(), "--data", csv, "--epochs", "2", "--batch-size", "16", "--out", model));
            using (var loaded = ModelStore.Load(model))
            {
                Assert.Equal("bumps", loaded.Card.Dataset);
                Assert.Equal((1, 60, 16, 3), (loaded.Model.Channels, loaded.Model.Length, loaded.Model.LatentDim, loaded.Model.Config.KernelSize));
                Assert.Contains("your own", loaded.Card.Notes);
            }
            Assert.Equal(0, Invoke(EncodeCommand.Create(), "--checkpoint", model, "--data", csv, "--out", Path.Combine(dir, "z.npy")));
            var z = NpyReader.Read(Path.Combine(dir, "z.npy"));
            Assert.Equal(new long[] { 40, 16 }, z.Shape);
            using (var loaded = ModelStore.Load(model))
            using (var scope = torch.NewDisposeScope())
            {
                // The CSV's rows, in file order, through the model in this process: the same posterior means as the file.
                var (values, _) = PlantedBumpTests.Planted(40, seed: 2);
                var x = torch.tensor(values.Cast<float>().ToArray(), [40, PlantedBumpTests.Length, 1]).permute(0, 2, 1);
                float[] expected = loaded.Model.PosteriorMeans(x, torch.CPU).contiguous().data<float>().ToArray();
                Assert.Equal(expected, z.ToSingleArray());
            }
            Assert.Equal(0, Invoke(ExplainCommand.Create(), "--checkpoint", model, "--data", csv, "--method", "gradcam", "--out", Path.Combine(dir, "cam.npy")));
            Assert.Equal(new long[] { 40, 60, 16 }, NpyReader.Read(Path.Combine(dir, "cam.npy")).Shape);
            Assert.Equal(0, Invoke(PipelineCommand.Create(), "--checkpoint", model, "--data", csv, "--class-names", "flat,bump", "--grid", "20", "--out", run));
            Assert.Equal(new long[] { 2, 2, 60, 20 }, NpyReader.Read(Path.Combine(run, "maps.npy")).Shape);
            Assert.Equal("[\n  \"bump\",\n  \"flat\"\n]", File.ReadAllText(Path.Combine(run, "labels.json")).ReplaceLineEndings("\n"));
            Assert.Equal(0, Invoke(SanityCommand.Create(), "--check", "global-masking", "--checkpoint", model, "--data", csv, "--out", Path.Combine(dir, "sanity")));
            Assert.True(File.Exists(Path.Combine(dir, "sanity", "result.json")));
            Assert.Equal(0, Invoke(BenchCommand.Create(), "gradcam", "--data", csv, "--checkpoint", $"bumps={model}", "--repeats", "1", "--out", Path.Combine(dir, "bench.json")));
            Assert.Contains("\"Dataset\": \"bumps\"", File.ReadAllText(Path.Combine(dir, "bench.json")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Mixing_or_missing_data_options_exits_with_1()
    {
        string dir = Directory.CreateTempSubdirectory("own-data-bad-").FullName;
        try
        {
            string csv = WriteCsv(dir), z = Path.Combine(dir, "z.npy");
            string ckpt = TestData.Checkpoint("symbols");
            Assert.Equal(1, Invoke(EncodeCommand.Create(), "--checkpoint", ckpt, "--out", z));                                      // no data at all
            Assert.Equal(1, Invoke(EncodeCommand.Create(), "--checkpoint", ckpt, "--data", dir, "--out", z));                       // a folder without --dataset
            Assert.Equal(1, Invoke(EncodeCommand.Create(), "--checkpoint", ckpt, "--dataset", "symbols", "--data", csv, "--out", z)); // a file with --dataset
            Assert.Equal(1, Invoke(EncodeCommand.Create(), "--checkpoint", ckpt, "--dataset", "symbols", "--labels", csv, "--out", z));
            Assert.Equal(1, Invoke(EncodeCommand.Create(), "--checkpoint", ckpt, "--data", csv, "--out", z));                       // the model takes 2 × 60, the CSV is 1 × 60
            Assert.Equal(1, Invoke(EncodeCommand.Create(), "--checkpoint", ckpt, "--data", csv, "--label-column", "kind", "--out", z));
            Assert.False(File.Exists(z));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
