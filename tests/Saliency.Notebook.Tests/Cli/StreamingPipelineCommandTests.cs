using System.Text.Json;
using Saliency.Cli.Commands;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.Tests.Models;

namespace Saliency.Notebook.Tests.Cli;

/// <summary><c>saliency pipeline</c> on the streaming path: a .npy of your own read in chunks, per-sample arrays only when asked.</summary>
[Collection(CliLiveDisplayCollection.Name)]
public class StreamingPipelineCommandTests
{
    private static int Invoke(System.CommandLine.Command command, params string[] args) => command.Parse(args).Invoke();

    [Fact]
    public void A_npy_with_labels_is_read_in_chunks_and_gives_the_in_memory_maps()
    {
        string dir = Directory.CreateTempSubdirectory("streaming-cli-").FullName;
        try
        {
            var info = DatasetRegistry.Get("eog");
            string values = info.PositionsPath(TestData.DataDirectory), labels = info.LabelsPath(TestData.DataDirectory);
            string checkpoint = OriginalFiles.Checkpoint("eog"), run = Path.Combine(dir, "run");
            Assert.Equal(0, Invoke(PipelineCommand.Create(), "--checkpoint", checkpoint, "--data", values, "--labels", labels, "--out", run));
            Assert.Equal(["combined.npy", "labels.json", "latents.npy", "maps.npy", "maps_norm.npy", "pca.json", "summary.json"],
                Directory.GetFiles(run).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
            Assert.Equal("affine-head", summary.RootElement.GetProperty("gradcam_path").GetString());
            Assert.Equal("time_series_positions", summary.RootElement.GetProperty("dataset").GetString());

            using var data = DatasetRegistry.Load("eog", TestData.DataDirectory);
            using var loaded = ModelStore.Load(checkpoint, data.C, data.L, "eog");
            using var expected = GlobalSaliencyPipeline.Run(loaded.Model, data);
            var maps = NpyReader.Read(Path.Combine(run, "maps_norm.npy")).ToSingleArray();
            var reference = expected.Maps.Normalised.Cast<double>().Select(v => (float)v).ToArray();
            Assert.True(maps.Zip(reference, (a, b) => Math.Abs(a - b)).Max() <= 1e-6f);

            Assert.Equal(0, Invoke(PipelineCommand.Create(), "--checkpoint", checkpoint, "--data", values, "--labels", labels, "--out", run,
                "--save-gradcam", "--save-projections", "--components", "3"));
            Assert.Equal(new long[] { 990, 200, 32 }, NpyReader.Read(Path.Combine(run, "gradcam.npy")).Shape);
            Assert.Equal(new long[] { 990, 200, 3 }, NpyReader.Read(Path.Combine(run, "projections.npy")).Shape);
            Assert.Empty(Directory.GetDirectories(dir, ".run.*"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_fortran_order_npy_is_loaded_whole_and_gives_the_same_maps_as_c_order()
    {
        // np.save(np.asfortranarray(x)) writes the series interleaved, so they cannot be read in rows; the command loads such a file
        // whole (as train and encode do) instead of refusing it.
        string dir = Directory.CreateTempSubdirectory("streaming-cli-fortran-").FullName;
        try
        {
            var info = DatasetRegistry.Get("symbols");
            string values = info.PositionsPath(TestData.DataDirectory), labels = info.LabelsPath(TestData.DataDirectory);
            string fortran = Path.Combine(dir, "fortran.npy"), checkpoint = OriginalFiles.Checkpoint("symbols");
            PythonReference.Run("np.save(inp['to'], np.asfortranarray(np.load(inp['from']))); out = 0", new { from = values, to = fortran });
            Assert.True(NpyReader.ReadHeader(fortran).FortranOrder);

            Assert.Equal(0, Invoke(PipelineCommand.Create(), "--checkpoint", checkpoint, "--data", values, "--labels", labels, "--out", Path.Combine(dir, "c")));
            Assert.Equal(0, Invoke(PipelineCommand.Create(), "--checkpoint", checkpoint, "--data", fortran, "--labels", labels, "--out", Path.Combine(dir, "f")));
            var fromC = NpyReader.Read(Path.Combine(dir, "c", "maps_norm.npy")).ToSingleArray();
            var fromFortran = NpyReader.Read(Path.Combine(dir, "f", "maps_norm.npy")).ToSingleArray();
            Assert.Equal(fromC.Length, fromFortran.Length);
            Assert.True(fromC.Zip(fromFortran, (a, b) => Math.Abs(a - b)).Max() <= 1e-6f);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
