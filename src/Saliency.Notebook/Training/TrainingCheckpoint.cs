using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Saliency.Notebook.IO;
using Saliency.Notebook.Models;
using Saliency.Notebook.Models.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Saliency.Notebook.Training;

/// <summary>Where a run stands: everything a resume needs besides the tensors (no RNG state: epochs reseed themselves).</summary>
public sealed class TrainingState
{
    /// <summary>Epochs completed.</summary>
    public int EpochsDone { get; set; }

    /// <summary>Best validation log-MSE so far (+∞ before the first epoch).</summary>
    public double BestValidationLogMse { get; set; } = double.PositiveInfinity;

    /// <summary>Epoch of the best value (0 before the first epoch).</summary>
    public int BestEpoch { get; set; }

    /// <summary>Training time so far.</summary>
    public TimeSpan Elapsed { get; set; }

    /// <summary>Per-epoch reports so far.</summary>
    public List<TrainingProgress> History { get; set; } = new();
}

/// <summary>
/// The resumable training checkpoint: one file holding a header, the JSON <see cref="TrainingState"/> (with the config, the
/// options and the SHA-256 of the data it belongs to), the current weights, the best weights and the Adam state (TorchSharp's own formats). Written to a
/// temporary file and renamed over the old one, so a crash never leaves a half-written checkpoint.
/// </summary>
public static class TrainingCheckpoint
{
    private const string Magic = "SALIENCY-TRAINING-CHECKPOINT/2";

    private sealed record Header(CvaeConfig Config, TrainingOptions Options, string DataSha256, TrainingState State);

    /// <summary>
    /// SHA-256 (lower-case hex) of the data as trained on: the float32 values of <paramref name="data"/> (N, C, L) in C order,
    /// little-endian, so the same samples in the same order give the same hash whatever file or device they came from.
    /// </summary>
    public static string DataSha256(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        float[] values;
        using (torch.NewDisposeScope()) values = data.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("The data hash is defined on little-endian float32 bytes.");
        return Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan())));
    }

    private static readonly JsonSerializerOptions Json = ModelCard.JsonOptions;

    /// <summary>Writes the checkpoint atomically.</summary>
    public static void Write(string path, CVAE model, Dictionary<string, Tensor> bestState, OptimizerHelper optimizer,
        CvaeConfig config, TrainingOptions options, string dataSha256, TrainingState state)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(JsonSerializer.Serialize(new Header(config, options with { Resume = false, Overwrite = false }, dataSha256, state), Json));
            model.save(writer);
            WriteTensors(writer, bestState);
            optimizer.save_state_dict(writer);
        });
    }

    /// <summary>
    /// Loads the current weights into <paramref name="model"/> and the Adam state into <paramref name="optimizer"/>; returns the
    /// run's state and the best weights so far (on the model's device). Refuses a checkpoint of other data (its SHA-256 differs
    /// from <paramref name="dataSha256"/>), of another architecture or of other hyperparameters (the epoch count and the
    /// checkpoint settings may differ).
    /// </summary>
    public static (TrainingState State, Dictionary<string, Tensor> BestState) Read(string path, CVAE model, OptimizerHelper optimizer,
        CvaeConfig config, TrainingOptions options, string dataSha256)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var header = ReadHeader(reader, path);
        if (!string.Equals(header.DataSha256, dataSha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"Checkpoint {path} was trained on other data (SHA-256 {header.DataSha256}) than this run's (SHA-256 {dataSha256}); " +
                                           "resume on the same data, or train without resume to start a new run.");
        if (!SameArchitecture(header.Config, config))
            throw new InvalidDataException($"Checkpoint {path} is of another architecture ({Describe(header.Config)}) than this run ({Describe(config)}).");
        if (Comparable(header.Options) != Comparable(options))
            throw new InvalidDataException($"Checkpoint {path} was trained with other hyperparameters: {header.Options}.");
        try
        {
            model.load(reader, strict: true);
            var device = model.DecoderScale.device;
            var best = ReadTensors(reader).ToDictionary(e => e.Key, e => e.Value.to(device));
            optimizer.load_state_dict(reader);
            return (header.State, best);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Checkpoint {path} is truncated.", e);
        }
    }

    private static TrainingOptions Comparable(TrainingOptions options) => options with { Epochs = 0, CheckpointEvery = 0, CheckpointPath = null, Resume = false, Overwrite = false };

    private static void WriteTensors(BinaryWriter writer, Dictionary<string, Tensor> tensors)
    {
        writer.Write(tensors.Count);
        foreach (var (name, value) in tensors)
        {
            writer.Write(name);
            using var cpu = value.cpu();
            cpu.Save(writer);
        }
    }

    private static Dictionary<string, Tensor> ReadTensors(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        var tensors = new Dictionary<string, Tensor>(count);
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            tensors[name] = TensorExtensionMethods.Load(reader);
        }
        return tensors;
    }

    private static Header ReadHeader(BinaryReader reader, string path)
    {
        try
        {
            string magic = reader.ReadString();
            if (magic != Magic)
                throw new InvalidDataException(magic.StartsWith("SALIENCY-TRAINING-CHECKPOINT/", StringComparison.Ordinal)
                    ? $"{path} is a training checkpoint of another format ({magic}; this kit reads {Magic}, which records the data's SHA-256): start a new run."
                    : $"{path} is not a Saliency training checkpoint.");
            return JsonSerializer.Deserialize<Header>(reader.ReadString(), Json) ?? throw new InvalidDataException($"{path}: empty checkpoint header.");
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or IOException && e is not InvalidDataException)
        {
            throw new InvalidDataException($"{path} is not a readable Saliency training checkpoint: {e.Message}", e);
        }
    }

    private static bool SameArchitecture(CvaeConfig a, CvaeConfig b) => (a with { HiddenDims = b.HiddenDims }) == b && a.HiddenDims.SequenceEqual(b.HiddenDims);

    private static string Describe(CvaeConfig c) => $"C={c.Channels} L={c.Length} D={c.LatentDim} h=[{string.Join(",", c.HiddenDims)}] k={c.KernelSize} {c.Prior}";
}

/// <summary>
/// A fresh run (neither <see cref="TrainingOptions.Resume"/> nor <see cref="TrainingOptions.Overwrite"/>) found an earlier run's
/// checkpoint at its <see cref="TrainingOptions.CheckpointPath"/>: replacing it would throw that run's progress away.
/// </summary>
public sealed class TrainingCheckpointExistsException(string checkpointPath)
    : IOException($"{checkpointPath} holds the checkpoint of an earlier run, which a fresh run would replace: set Resume to continue it or Overwrite to start over.")
{
    /// <summary>The checkpoint in the way.</summary>
    public string CheckpointPath { get; } = checkpointPath;
}
