using Saliency.Cli.Commands;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.Tests.Explainers;

namespace Saliency.Notebook.Tests.Cli;

/// <summary>The explain and pipeline commands end to end: outputs with the documented shapes and PyTorch's values, bad input as exit 1 with nothing written.</summary>
[Collection(CliLiveDisplayCollection.Name)]
public class AnalysisCommandTests
{
    private static string SymbolsCheckpoint => TestData.Checkpoint("symbols");

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
            var gradCam = NpyReader.Read(Path.Combine(dir, "gradcam.npy"));
            Assert.Equal(new long[] { 1100, 60, 16 }, gradCam.Shape);
            Assert.Equal(0, Invoke(ExplainCommand.Create(), "--checkpoint", SymbolsCheckpoint, "--dataset", "symbols", "--data", common,
                "--method", "gradient", "--out", Path.Combine(dir, "gradient.npy")));
            var gradient = NpyReader.Read(Path.Combine(dir, "gradient.npy"));
            Assert.Equal(new long[] { 1100, 60, 2 }, gradient.Shape);

            // The values, on rows spread over originals and augmentations: PyTorch's |GradCAM| (N, L, D) and the L2 norm over
            // the latent dims of its input gradient (N, L, C, D) -> (N, L, C), the file layouts the option help documents.
            long[] rows = Enumerable.Range(0, 25).Select(i => (long)i * 43 + 7).ToArray();
            var reference = PythonReference.Run(PyTorchReferenceTests.Reference, new
            {
                ckpt = SymbolsCheckpoint,
                data = Path.Combine(TestData.DataDirectory, "symbols", "augmented_symbols.npy"),
                rows,
            });
            AssertRowsClose(PythonReference.Doubles(reference.GetProperty("gradcam")), gradCam, rows, "gradcam.npy");
            double[] inputGradient = PythonReference.Doubles(reference.GetProperty("gradient"));
            const int latentDims = 16;
            double[] gradientNorm = Enumerable.Range(0, inputGradient.Length / latentDims)
                .Select(i => Math.Sqrt(inputGradient.Skip(i * latentDims).Take(latentDims).Sum(g => g * g))).ToArray();
            AssertRowsClose(gradientNorm, gradient, rows, "gradient.npy");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>The file's <paramref name="rows"/> equal the reference within 1e-5 of its largest |value| (float32 files).</summary>
    private static void AssertRowsClose(double[] expected, NpyArray file, long[] rows, string what)
    {
        float[] values = file.ToSingleArray();
        long rowLength = file.Shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        double[] actual = rows.SelectMany(r => values.Skip((int)(r * rowLength)).Take((int)rowLength).Select(v => (double)v)).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs), worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= 1e-5 * scale, $"{what}: max |CLI − PyTorch| = {worst:E3} against the largest |value| {scale:E3}");
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
