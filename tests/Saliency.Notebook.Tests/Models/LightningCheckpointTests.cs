using System.IO.Compression;
using System.Text;
using Saliency.Notebook.Data.Pickle;
using Saliency.Notebook.Models;
using Saliency.Notebook.Models.Checkpoints;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Models;

public sealed class LightningCheckpointTests
{
    [Fact]
    public void SymbolsCheckpointReproducesTheOracleValues()
    {
        using var loaded = ModelStore.Load(OriginalFiles.Checkpoint("symbols"));
        var model = loaded.Model;
        Assert.Equal((2, 60, 16), (model.Channels, model.Length, model.LatentDim));
        Assert.Equal(0.1, model.Config.Dropout);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = OriginalFiles.Series("symbols/augmented_symbols.npy");
        var loc = model.PosteriorMean(x);
        float[] expectedLoc = { 0.29259f, 0.64143f, -0.41971f, -0.57972f, 0.44317f, -0.26439f, -2.69635f, -0.91721f };
        float[] actualLoc = loc[0, ..8].data<float>().ToArray();
        for (int i = 0; i < 8; i++) Assert.True(Math.Abs(expectedLoc[i] - actualLoc[i]) < 1e-5, $"loc[0][{i}] = {actualLoc[i]}, expected {expectedLoc[i]}");

        double meanScale = model.PosteriorScale(x).mean().item<float>();
        Assert.True(Math.Abs(meanScale - 0.0497871) < 1e-6, $"mean scale {meanScale}");

        var decoded = model.Decode(loc);
        float[] expectedDecoded = { 1.00465f, 0.95864f, 0.90934f, 0.86497f, 0.82726f };
        float[] actualDecoded = decoded[0, 0, ..5].data<float>().ToArray();
        for (int i = 0; i < 5; i++) Assert.True(Math.Abs(expectedDecoded[i] - actualDecoded[i]) < 1e-5, $"decode[0,0,{i}] = {actualDecoded[i]}");

        double logMse = Math.Log((decoded - x).square().mean().item<float>());
        Assert.True(Math.Abs(logMse - -9.0719) < 5e-4, $"log MSE {logMse}");
    }

    [Fact]
    public void SymbolsCheckpointCarriesItsHyperparametersAndHistory()
    {
        var checkpoint = LightningCheckpoint.Read(OriginalFiles.Checkpoint("symbols"));
        Assert.Equal(16L, checkpoint.HyperParameters["encoding_dim"]);
        Assert.Equal(19549L, checkpoint.Epoch);
        Assert.Equal(21, checkpoint.StateDict.Count);
        var options = checkpoint.ToHyperparameters();
        Assert.Equal((0.1, 1.0, 1e-3, 500), (options.KldCoef, options.LlvCoef, options.LearningRate, options.BatchSize));
        var config = checkpoint.ToConfig();
        Assert.Equal(new[] { 16, 16, 16 }, config.HiddenDims);
        Assert.Equal((17, 10, LatentPrior.Standard), (config.KernelSize, config.SamplingFactor, config.Prior));
        Assert.Equal(0.0145952f, checkpoint.StateDict["scale"].item<float>(), 6);
        Assert.Equal(-9.1710, checkpoint.BestModelScore!.Value, 3);
    }

    [Fact]
    public void EogCheckpointLoadsAndReconstructsItsData()
    {
        using var loaded = ModelStore.Load(OriginalFiles.Checkpoint("eog"), channels: 1, length: 200, datasetName: "eog");
        Assert.Equal((1, 200, 32), (loaded.Model.Channels, loaded.Model.Length, loaded.Model.LatentDim));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = OriginalFiles.Series("eog/time_series_positions.npy");
        double logMse = Math.Log((loaded.Model.Reconstruct(x) - x).square().mean().item<float>());
        Assert.True(logMse < -10, $"eog log MSE {logMse}");
    }

    [Fact]
    public void ACheckpointThatDoesNotFitTheDatasetIsRefused()
    {
        var error = Assert.Throws<CheckpointException>(() => ModelStore.Load(OriginalFiles.Checkpoint("symbols"), channels: 1, length: 200, datasetName: "eog"));
        Assert.Contains("symbols.ckpt", error.Message);
        Assert.Contains("eog", error.Message);
    }

    [Fact]
    public void ATruncatedCheckpointIsAClearErrorNamingTheFile()
    {
        using var temp = new TempDirectory();
        string path = Path.Combine(temp.Path, "truncated.ckpt");
        byte[] bytes = File.ReadAllBytes(OriginalFiles.Checkpoint("symbols"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<CheckpointException>(() => LightningCheckpoint.Read(path));
        Assert.Contains("truncated.ckpt", error.Message);
    }

    [Fact]
    public void APickleNamingOsSystemIsRefusedBeforeAnythingRuns()
    {
        using var temp = new TempDirectory();
        string marker = Path.Combine(temp.Path, "ran");
        string path = Path.Combine(temp.Path, "evil.ckpt");
        // protocol 2: GLOBAL 'os system', BINUNICODE 'touch <marker>', TUPLE1, REDUCE, STOP
        byte[] command = Encoding.UTF8.GetBytes("touch " + marker);
        var pickle = new List<byte> { 0x80, 2 };
        pickle.AddRange(Encoding.ASCII.GetBytes("cos\nsystem\n"));
        pickle.Add((byte)'X');
        pickle.AddRange(BitConverter.GetBytes(command.Length));
        pickle.AddRange(command);
        pickle.AddRange(new byte[] { 0x85, (byte)'R', (byte)'.' });
        WriteZip(path, ("archive/data.pkl", pickle.ToArray()), ("archive/byteorder", Encoding.ASCII.GetBytes("little")));

        var error = Assert.Throws<PickleSecurityException>(() => ModelStore.Load(path));
        Assert.Contains("os.system", error.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void AMissingOrRenamedWeightIsListed()
    {
        using var temp = new TempDirectory();
        string path = Path.Combine(temp.Path, "renamed.ckpt");
        File.Copy(OriginalFiles.Checkpoint("symbols"), path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("archive/data.pkl")!;
            byte[] pickle;
            using (var read = entry.Open()) { using var buffer = new MemoryStream(); read.CopyTo(buffer); pickle = buffer.ToArray(); }
            byte[] from = Encoding.UTF8.GetBytes("lsr.z_loc.bias"), to = Encoding.UTF8.GetBytes("lsr.z_loc.bia_");
            int at = pickle.AsSpan().IndexOf(from);
            Assert.True(at > 0);
            to.CopyTo(pickle, at);
            entry.Delete();
            using var write = zip.CreateEntry("archive/data.pkl").Open();
            write.Write(pickle);
        }
        var error = Assert.Throws<CheckpointException>(() => ModelStore.Load(path));
        Assert.Contains("missing keys: lsr.z_loc.bias", error.Message);
        Assert.Contains("unexpected keys: lsr.z_loc.bia_", error.Message);
    }

    [Theory]
    [InlineData("hp['h_dims'] = []", "'h_dims' is []")]
    [InlineData("hp['h_dims'] = [16, 16, 0]", "'h_dims' is [16, 16, 0]")]
    [InlineData("hp['encoding_dim'] = 2 ** 40", "'encoding_dim' is 1099511627776")]
    [InlineData("sd['encoder.0.layers.0.weight'] = sd['encoder.0.layers.0.weight'].flatten()", "'encoder.0.layers.0.weight' has shape (544)")]
    public void HyperparametersOrWeightsNoCvaeCanHaveAreRefusedNamingThem(string edit, string named)
    {
        // The authors' checkpoint, edited and saved again by PyTorch itself (Debian's python3-torch).
        using var temp = new TempDirectory();
        string path = Path.Combine(temp.Path, "edited.ckpt");
        PythonReference.Run($"""
            import torch
            ck = torch.load(inp['source'], map_location='cpu')
            hp, sd = ck['hyper_parameters'], ck['state_dict']
            {edit}
            torch.save(ck, inp['path'])
            out = 0
            """, new { source = OriginalFiles.Checkpoint("symbols"), path });

        var error = Assert.Throws<CheckpointException>(() => ModelStore.Load(path));
        Assert.Contains("edited.ckpt", error.Message);
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void KitFormatRoundTripsAnImportedModel()
    {
        using var temp = new TempDirectory();
        using var original = ModelStore.Load(OriginalFiles.Checkpoint("symbols"));
        ModelStore.Save(temp.Path, original.Model, original.Card with { Dataset = "symbols" });
        using var reloaded = ModelStore.Load(temp.Path);
        Assert.Equal("symbols", reloaded.Card.Dataset);
        Assert.Equal(original.Model.Config.HiddenDims, reloaded.Model.Config.HiddenDims);
        Assert.Equal(original.Model.Config with { HiddenDims = reloaded.Model.Config.HiddenDims }, reloaded.Model.Config);
        using var scope = NewDisposeScope();
        var x = randn(3, 2, 60);
        Assert.True(original.Model.PosteriorMean(x).equal(reloaded.Model.PosteriorMean(x)).all().item<bool>());
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp", SearchOption.AllDirectories));

        File.WriteAllBytes(Path.Combine(temp.Path, ModelStore.WeightsFileName), File.ReadAllBytes(Path.Combine(temp.Path, ModelStore.WeightsFileName))[..1000]);
        var error = Assert.Throws<CheckpointException>(() => ModelStore.Load(temp.Path));
        Assert.Contains(ModelStore.WeightsFileName, error.Message);
    }

    private static void WriteZip(string path, params (string Name, byte[] Bytes)[] entries)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in entries)
        {
            using var stream = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
            stream.Write(bytes);
        }
    }
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "saliency-model-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
