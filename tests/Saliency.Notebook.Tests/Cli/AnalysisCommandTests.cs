using Saliency.Cli.Commands;
using Saliency.Notebook.Data.Npy;

namespace Saliency.Notebook.Tests.Cli;

/// <summary>The explain and pipeline commands end to end: outputs with the documented shapes, bad input as exit 1 with nothing written.</summary>
[Collection(CliLiveDisplayCollection.Name)]
public class AnalysisCommandTests
{
    private static string SymbolsCheckpoint => Path.Combine(TestData.SharedDirectory, "reference", "original_checkpoints", "symbols.ckpt");

    private static int Invoke(System.CommandLine.Command command, params string[] args) => command.Parse(args).Invoke();

    [Fact]
    public void Explain_writes_per_latent_and_input_attributions_with_the_documented_shapes()
    {
        string dir = Directory.CreateTempSubdirectory("explain-").FullName;
        try
        {
            string common = TestData.DataDirectory;
            Assert.Equal(0, Invoke(ExplainCommand.Create(), "--checkpoint", SymbolsCheckpoint, "--dataset", "symbols", "--data", common,
                "--method", "gradcam", "--out", Path.Combine(dir, "gradcam.npy")));
            Assert.Equal(new long[] { 1100, 60, 16 }, NpyReader.Read(Path.Combine(dir, "gradcam.npy")).Shape);
            Assert.Equal(0, Invoke(ExplainCommand.Create(), "--checkpoint", SymbolsCheckpoint, "--dataset", "symbols", "--data", common,
                "--method", "gradient", "--out", Path.Combine(dir, "gradient.npy")));
            var gradient = NpyReader.Read(Path.Combine(dir, "gradient.npy"));
            Assert.Equal(new long[] { 1100, 60, 2 }, gradient.Shape);
            Assert.All(gradient.ToSingleArray(), v => Assert.True(v >= 0 && float.IsFinite(v))); // an L2 norm over latent dims
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Bad_options_exit_with_1_and_write_nothing()
    {
        string dir = Directory.CreateTempSubdirectory("bad-").FullName;
        try
        {
            Assert.Equal(1, Invoke(ExplainCommand.Create(), "--checkpoint", SymbolsCheckpoint, "--dataset", "symbols", "--data", TestData.DataDirectory,
                "--method", "occlusion", "--out", Path.Combine(dir, "x.npy")));
            Assert.Equal(1, Invoke(ExplainCommand.Create(), "--checkpoint", SymbolsCheckpoint, "--dataset", "eog", "--data", TestData.DataDirectory,
                "--method", "gradcam", "--out", Path.Combine(dir, "x.npy")));
            Assert.Equal(1, Invoke(PipelineCommand.Create(), "--checkpoint", SymbolsCheckpoint, "--dataset", "symbols", "--data", TestData.DataDirectory,
                "--components", "99", "--out", Path.Combine(dir, "run")));
            // Settings the method does not use are refused, not silently ignored.
            foreach (var (method, option, value) in new[] { ("gradslam", "--mode", "abs"), ("ig", "--layer", "encoder.0.layers.0"), ("gradcam", "--steps", "8") })
                Assert.Equal(1, Invoke(ExplainCommand.Create(), "--checkpoint", SymbolsCheckpoint, "--dataset", "symbols", "--data", TestData.DataDirectory,
                    "--method", method, option, value, "--out", Path.Combine(dir, "x.npy")));
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
