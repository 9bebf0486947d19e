using System.Text.Json;
using Saliency.Notebook.IO;
using Saliency.Notebook.Models.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>
/// A model loaded from disk with its card. It is the encoder: pass it wherever an <see cref="ILatentEncoder"/> is taken (explainers,
/// the method's steps, sanity checks); <see cref="Model"/> is the CVAE itself, for decoding and training. Dispose it to free the weights.
/// </summary>
/// <param name="Model">The CVAE, in eval mode, on the requested device.</param>
/// <param name="Card">Its card (for an original checkpoint: built from the checkpoint's hyperparameters).</param>
/// <param name="Path">The file or folder it was loaded from.</param>
public sealed record LoadedModel(CVAE Model, ModelCard Card, string Path) : IComplexStepEncoder, IDisposable
{
    /// <inheritdoc/>
    public int Channels => Model.Channels;

    /// <inheritdoc/>
    public int Length => Model.Length;

    /// <inheritdoc/>
    public int LatentDim => Model.LatentDim;

    /// <inheritdoc/>
    public nn.Module Root => Model;

    /// <inheritdoc/>
    public Tensor PosteriorMean(Tensor x) => Model.PosteriorMean(x);

    /// <inheritdoc/>
    public Tensor PosteriorMeanComplex(Tensor x) => Model.PosteriorMeanComplex(x);

    /// <inheritdoc/>
    public Tensor ComplexStepJacobian(Tensor x, double step, int batchSize) => Model.ComplexStepJacobian(x, step, batchSize);

    /// <summary>Throws a <see cref="CheckpointException"/> when the model does not take (N, <paramref name="channels"/>, <paramref name="length"/>) inputs.</summary>
    public void EnsureFits(long channels, long length, string datasetName)
    {
        if (channels != Model.Channels || length != Model.Length)
            throw new CheckpointException(Path, $"the model takes series of {Model.Channels} channel(s) × length {Model.Length}, " +
                                                $"but dataset '{datasetName}' has {channels} channel(s) × length {length}.");
    }

    /// <summary>Disposes the model.</summary>
    public void Dispose() => Model.Dispose();
}

/// <summary>
/// The kit's model format and loader. A kit model is a folder holding <c>model.pt</c> (TorchSharp's <c>save</c> of the CVAE's
/// state_dict, PyTorch names) and <c>model.json</c> (its <see cref="ModelCard"/>), each written atomically (temp + rename).
/// <see cref="Load(string, Device?)"/> also accepts the authors' Lightning <c>.ckpt</c> files.
/// </summary>
public static class ModelStore
{
    /// <summary>Weights file name inside a model folder.</summary>
    public const string WeightsFileName = "model.pt";

    /// <summary>Card file name inside a model folder.</summary>
    public const string CardFileName = "model.json";

    /// <summary>Writes <paramref name="model"/> and <paramref name="card"/> into <paramref name="directory"/> (created if needed).</summary>
    public static void Save(string directory, CVAE model, ModelCard card)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.Write(Path.Combine(directory, WeightsFileName), stream => model.save(stream));
        AtomicFile.Write(Path.Combine(directory, CardFileName), stream => JsonSerializer.Serialize(stream, card with { Config = model.Config }, ModelCard.JsonOptions));
    }

    /// <summary>
    /// Loads a kit model (its folder, its <c>model.json</c> or its <c>model.pt</c>) or an original Lightning <c>.ckpt</c>, in eval mode,
    /// on <paramref name="device"/> (default CPU). Errors name the file.
    /// </summary>
    public static LoadedModel Load(string path, Device? device = null)
    {
        bool zip = File.Exists(path) && IsZip(path);
        if (zip || File.Exists(path) && path.EndsWith(".ckpt", StringComparison.OrdinalIgnoreCase))
        {
            // The training.ckpt that `saliency train` writes beside a model is not a torch.save zip but the kit's own resumable state.
            string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!zip && File.Exists(Path.Combine(folder, CardFileName)) && File.Exists(Path.Combine(folder, WeightsFileName)))
                throw new CheckpointException(path, $"this is a resumable training checkpoint (for train --resume), not a model; load the model folder {folder} instead.");
            return LoadLightning(path, device);
        }
        string directory = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
        string cardPath = Path.Combine(directory, CardFileName);
        string weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(cardPath) || !File.Exists(weightsPath))
            throw new FileNotFoundException($"No model at {path}: expected a .ckpt file or a folder with {WeightsFileName} and {CardFileName}.", path);

        ModelCard card;
        try
        {
            card = JsonSerializer.Deserialize<ModelCard>(File.ReadAllText(cardPath), ModelCard.JsonOptions)
                   ?? throw new CheckpointException(cardPath, "empty model card.");
            card.Config.Validate();
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new CheckpointException(cardPath, $"not a valid model card: {e.Message}", e);
        }
        var model = new CVAE(card.Config);
        try
        {
            model.load(weightsPath, strict: true);
        }
        catch (Exception e)
        {
            model.Dispose();
            throw new CheckpointException(weightsPath, $"the weights do not load into the CVAE of {cardPath} (truncated, or another architecture): {e.Message}", e);
        }
        if (device is not null) model.to(device);
        model.eval();
        return new LoadedModel(model, card, directory);
    }

    /// <summary>Loads a model and checks that it takes the dataset's (C, L).</summary>
    public static LoadedModel Load(string path, long channels, long length, string datasetName, Device? device = null)
    {
        var loaded = Load(path, device);
        try
        {
            loaded.EnsureFits(channels, length, datasetName);
            return loaded;
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    private static LoadedModel LoadLightning(string path, Device? device)
    {
        var checkpoint = LightningCheckpoint.Read(path);
        try
        {
            var model = checkpoint.CreateModel(device);
            var card = new ModelCard
            {
                Config = model.Config,
                Training = checkpoint.ToHyperparameters(),
                Epochs = checkpoint.Epoch is { } e ? (int)e : null,
                BestValidationLogMse = checkpoint.BestModelScore,
                Source = $"lightning-checkpoint:{Path.GetFileName(path)}",   // the file, not this machine's folders (cards travel in notebooks)
            };
            return new LoadedModel(model, card, path);
        }
        finally
        {
            foreach (var tensor in checkpoint.StateDict.Values) tensor.Dispose();
        }
    }

    private static bool IsZip(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.Read(magic) == 4 && magic[0] == (byte)'P' && magic[1] == (byte)'K';
    }
}
