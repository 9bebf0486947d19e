using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Pickle;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models.Checkpoints;

/// <summary>A checkpoint that cannot be used: truncated, not a Lightning zip, not a CVAE, or not fitting the data. The message names the file.</summary>
public sealed class CheckpointException : DataFormatException
{
    /// <summary>Creates the error for <paramref name="path"/>; the message is "path: problem".</summary>
    public CheckpointException(string path, string problem, Exception? inner = null) : base(path, problem, inner)
    {
    }
}

/// <summary>
/// Reads a PyTorch Lightning <c>.ckpt</c> (a torch.save zip: <c>&lt;prefix&gt;/data.pkl</c>, <c>&lt;prefix&gt;/byteorder</c>,
/// <c>&lt;prefix&gt;/data/&lt;key&gt;</c>) without running any of its code: the pickle may name only <c>collections.OrderedDict</c>,
/// <c>torch._utils._rebuild_tensor_v2</c> and the <c>torch.*Storage</c> types below; anything else raises the unpickler's
/// <see cref="PickleSecurityException"/> before anything is built. Tensors load on the CPU whatever their saved location (cuda:N).
/// </summary>
public sealed class LightningCheckpoint
{
    private static readonly Dictionary<string, (ScalarType Type, int Size)> StorageTypes = new()
    {
        ["FloatStorage"] = (ScalarType.Float32, 4),
        ["DoubleStorage"] = (ScalarType.Float64, 8),
        ["HalfStorage"] = (ScalarType.Float16, 2),
        ["BFloat16Storage"] = (ScalarType.BFloat16, 2),
        ["LongStorage"] = (ScalarType.Int64, 8),
        ["IntStorage"] = (ScalarType.Int32, 4),
        ["ShortStorage"] = (ScalarType.Int16, 2),
        ["CharStorage"] = (ScalarType.Int8, 1),
        ["ByteStorage"] = (ScalarType.Byte, 1),
        ["BoolStorage"] = (ScalarType.Bool, 1),
    };

    private LightningCheckpoint(string path, PickleDict root, Dictionary<string, Tensor> stateDict)
    {
        Path = path;
        Root = root;
        StateDict = stateDict;
        HyperParameters = root.TryGetValue("hyper_parameters", out var hp) && hp is PickleDict dict
            ? dict.Where(e => e.Key is string).ToDictionary(e => (string)e.Key, e => e.Value)
            : throw new CheckpointException(path, "no 'hyper_parameters' dict: not a Lightning checkpoint of the paper's CVAE.");
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The unpickled top-level dict (epoch, global_step, state_dict, optimizer_states, callbacks, hyper_parameters, …).</summary>
    public PickleDict Root { get; }

    /// <summary>The model weights by their PyTorch names, float tensors on the CPU.</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict { get; }

    /// <summary>The saved hyperparameters (<c>encoding_dim</c>, <c>h_dims</c>, <c>kernel_size</c>, <c>dropout</c>, <c>prior</c>, …).</summary>
    public IReadOnlyDictionary<string, object?> HyperParameters { get; }

    /// <summary>The <c>epoch</c> entry (epochs trained), or null.</summary>
    public long? Epoch => Root.TryGetValue("epoch", out var v) && v is long e ? e : null;

    /// <summary>The ModelCheckpoint callback's <c>best_model_score</c> (the best validation log-MSE), or null.</summary>
    public double? BestModelScore =>
        Root.TryGetValue("callbacks", out var callbacks) && callbacks is PickleDict byName
            ? byName.Values.OfType<PickleDict>()
                .Select(c => c.TryGetValue("best_model_score", out var score) ? score : null)
                .OfType<Tensor>().Select(ScalarOf).Cast<double?>().FirstOrDefault()
            : null;

    private static double ScalarOf(Tensor value)
    {
        using var scope = NewDisposeScope();
        return value.to(ScalarType.Float64).item<double>();
    }

    /// <summary>Reads <paramref name="path"/>; a missing, truncated or foreign file gives a <see cref="CheckpointException"/> naming it.</summary>
    public static LightningCheckpoint Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint not found: {path}", path);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(File.OpenRead(path), ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException(path, $"not a readable torch.save zip (truncated or corrupt): {e.Message}", e);
        }
        using (archive)
        {
            var pickleEntry = archive.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
                              ?? throw new CheckpointException(path, "no '<prefix>/data.pkl' entry: not a torch.save zip checkpoint.");
            string prefix = pickleEntry.FullName[..^"data.pkl".Length];
            bool bigEndian = ReadByteOrder(archive, prefix, path);
            var storages = new Dictionary<string, Tensor>();

            object? Storage(object? pid)
            {
                if (pid is not object?[] { Length: 5 } id || id[0] is not "storage" || id[1] is not PickleGlobal type || id[2] is not string key)
                    throw new CheckpointException(path, $"unexpected persistent id {Describe(pid)} (expected ('storage', type, key, location, numel)).");
                if (!StorageTypes.TryGetValue(type.Name, out var kind))
                    throw new CheckpointException(path, $"unsupported storage type {type}.");
                if (!storages.TryGetValue(key, out var storage))
                {
                    storage = ReadStorage(archive, prefix + "data/" + key, kind.Type, kind.Size, bigEndian, path);
                    storages[key] = storage;
                }
                return storage;
            }

            var allow = new PickleAllowList()
                .Allow("collections", "OrderedDict", _ => new PickleDict())
                .Allow("torch._utils", "_rebuild_tensor_v2", args => RebuildTensor(args, path));
            foreach (string storageType in StorageTypes.Keys) allow.AllowMarker("torch", storageType);

            object? root;
            try
            {
                using var stream = pickleEntry.Open();
                root = new RestrictedUnpickler(allow, Storage, source: $"{path}:{pickleEntry.FullName}").Load(stream);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException || e is PickleFormatException and not PickleSecurityException)
            {
                throw new CheckpointException(path, $"truncated or corrupt: {e.Message}", e);
            }
            if (root is not PickleDict rootDict) throw new CheckpointException(path, $"the pickle holds a {Describe(root)}, not a checkpoint dict.");
            if (!rootDict.TryGetValue("state_dict", out var sd) || sd is not PickleDict stateDict)
                throw new CheckpointException(path, "no 'state_dict' entry.");
            var weights = stateDict.ToDictionary(e => e.Key as string ?? throw new CheckpointException(path, "non-string state_dict key."),
                e => e.Value as Tensor ?? throw new CheckpointException(path, $"state_dict entry '{e.Key}' is not a tensor."));
            return new LightningCheckpoint(path, rootDict, weights);
        }
    }

    /// <summary>
    /// The CVAE architecture from the hyperparameters, with C taken from the weights and L = pooled size × sampling factor (the
    /// only length a CVAE with those weights takes: L must be a multiple of the sampling factor); <see cref="LoadedModel.EnsureFits"/>
    /// reports a mismatch with the data.
    /// </summary>
    public CvaeConfig ToConfig()
    {
        var hidden = GetIntList("h_dims");
        if (hidden.Length == 0 || hidden.Any(width => width < 1))
            throw new CheckpointException(Path, $"hyperparameter 'h_dims' is [{string.Join(", ", hidden)}], expected a non-empty list of positive widths.");
        int samplingFactor = GetInt("sampling_factor", 10);
        int channels = (int)WeightOfRank("encoder.0.layers.0.weight", 3).shape[1];
        long encoded = WeightOfRank("lsr.z_loc.weight", 2).shape[1];
        if (encoded % hidden[^1] != 0) throw new CheckpointException(Path, $"lsr.z_loc takes {encoded} features, not a multiple of h_dims[-1]={hidden[^1]}.");
        int pooled = (int)(encoded / hidden[^1]);
        string prior = GetString("prior", "standard");
        return new CvaeConfig
        {
            Channels = channels,
            Length = pooled * samplingFactor,
            LatentDim = GetInt("encoding_dim"),
            HiddenDims = hidden,
            KernelSize = GetInt("kernel_size", 17),
            Dropout = GetDouble("dropout", 0),
            SamplingFactor = samplingFactor,
            Prior = prior switch
            {
                "standard" => LatentPrior.Standard,
                "vampprior" => LatentPrior.VampPrior,
                _ => throw new CheckpointException(Path, $"prior '{prior}' is not supported (standard or vampprior)."),
            },
            Components = GetInt("n_components", 500),
            InitialScale = GetDouble("scale", 1.0),
        };
    }

    /// <summary>The training hyperparameters saved with the model (kld_coef, llv_coef, lr, batch_size, gradient clip, ratios).</summary>
    public TrainingHyperparameters ToHyperparameters() => new()
    {
        BatchSize = GetInt("batch_size", 500),
        LearningRate = GetDouble("lr", 1e-3),
        KldCoef = GetDouble("kld_coef", 0.1),
        LlvCoef = GetDouble("llv_coef", 1.0),
        GradientClipNorm = GetDouble("gradient_clip_val", 0.5),
        TrainRatio = GetDouble("train_ratio", 0.8),
        ValidationRatio = GetDouble("val_ratio", 0.2),
    };

    /// <summary>
    /// Builds the CVAE and loads the weights strictly: a missing or unexpected key, or a shape that differs, is a
    /// <see cref="CheckpointException"/> listing them. The VampPrior's state_dict aliases of shared modules (<c>lsr.encoder.*</c>,
    /// <c>lsr.prior_log_var_NN.*</c>) are accepted when they equal the weights they alias. The model is returned in eval mode.
    /// </summary>
    public CVAE CreateModel(Device? device = null)
    {
        var config = ToConfig();
        var model = new CVAE(config);
        try
        {
            LoadStrict(model, StateDict, Path);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        if (device is not null) model.to(device);
        model.eval();
        return model;
    }

    /// <summary>Copies <paramref name="weights"/> into <paramref name="model"/>, refusing missing/unexpected keys and shape mismatches.</summary>
    internal static void LoadStrict(CVAE model, IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        var aliases = new[] { ("lsr.encoder.", "encoder."), ("lsr.prior_log_var_NN.", "lsr.z_log_var.") };
        var target = model.state_dict();
        var problems = new List<string>();
        foreach (var (key, value) in weights)
        {
            var alias = aliases.FirstOrDefault(a => key.StartsWith(a.Item1, StringComparison.Ordinal));
            if (alias.Item1 is null) continue;
            string canonical = alias.Item2 + key[alias.Item1.Length..];
            if (!weights.TryGetValue(canonical, out var original) || !original.shape.SequenceEqual(value.shape) || !original.equal(value).all().item<bool>())
                problems.Add($"alias '{key}' does not equal '{canonical}'");
        }
        var own = weights.Keys.Where(k => !aliases.Any(a => k.StartsWith(a.Item1, StringComparison.Ordinal))).ToList();
        var missing = target.Keys.Except(own).ToList();
        var unexpected = own.Except(target.Keys).ToList();
        if (missing.Count > 0) problems.Add($"missing keys: {string.Join(", ", missing)}");
        if (unexpected.Count > 0) problems.Add($"unexpected keys: {string.Join(", ", unexpected)}");
        foreach (string key in own.Intersect(target.Keys))
            if (!weights[key].shape.SequenceEqual(target[key].shape))
                problems.Add($"'{key}' has shape ({string.Join(",", weights[key].shape)}), the model expects ({string.Join(",", target[key].shape)})");
        if (problems.Count > 0) throw new CheckpointException(source, "the weights do not fit the CVAE: " + string.Join("; ", problems));
        using (no_grad())
            foreach (string key in own)
                target[key].copy_(weights[key]);
    }

    private Tensor Weight(string key) => StateDict.TryGetValue(key, out var t) ? t : throw new CheckpointException(Path, $"state_dict has no '{key}'.");

    private Tensor WeightOfRank(string key, int rank) => Weight(key) is var weight && weight.dim() == rank
        ? weight
        : throw new CheckpointException(Path, $"'{key}' has shape ({string.Join(",", Weight(key).shape)}), expected {rank} dimensions.");

    private object? Get(string key) => HyperParameters.TryGetValue(key, out var v) ? v : null;

    private long GetLong(string key, long? fallback = null) => Get(key) switch
    {
        long l => l,
        double d when d == Math.Floor(d) => (long)d,
        null when fallback is { } f => f,
        var v => throw new CheckpointException(Path, $"hyperparameter '{key}' is {Describe(v)}, expected an integer."),
    };

    private int GetInt(string key, int? fallback = null) => GetLong(key, fallback) is var value && value is >= int.MinValue and <= int.MaxValue
        ? (int)value
        : throw new CheckpointException(Path, $"hyperparameter '{key}' is {GetLong(key, fallback)}, too large for this kit (at most {int.MaxValue}).");

    private double GetDouble(string key, double fallback) => Get(key) switch
    {
        double d => d,
        long l => l,
        null => fallback,
        var v => throw new CheckpointException(Path, $"hyperparameter '{key}' is {Describe(v)}, expected a number."),
    };

    private string GetString(string key, string fallback) => Get(key) switch
    {
        string s => s,
        null => fallback,
        var v => throw new CheckpointException(Path, $"hyperparameter '{key}' is {Describe(v)}, expected a string."),
    };

    private int[] GetIntList(string key) => Get(key) switch
    {
        List<object?> list when list.All(IsInt) => list.Select(i => (int)(long)i!).ToArray(),
        object?[] tuple when tuple.All(IsInt) => tuple.Select(i => (int)(long)i!).ToArray(),
        var v => throw new CheckpointException(Path, $"hyperparameter '{key}' is {Describe(v)}, expected a list of integers."),
    };

    private static bool IsInt(object? item) => item is long value && value is >= int.MinValue and <= int.MaxValue;

    private static bool ReadByteOrder(ZipArchive archive, string prefix, string path)
    {
        var entry = archive.GetEntry(prefix + "byteorder");
        if (entry is null) return false; // torch.save before 2.1 wrote no byteorder record: little-endian
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd().Trim() switch
        {
            "little" => false,
            "big" => true,
            var other => throw new CheckpointException(path, $"unknown byteorder '{other}'."),
        };
    }

    private static Tensor ReadStorage(ZipArchive archive, string entryName, ScalarType type, int elementSize, bool bigEndian, string path)
    {
        var entry = archive.GetEntry(entryName) ?? throw new CheckpointException(path, $"storage '{entryName}' is missing from the zip.");
        byte[] bytes;
        try
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            bytes = buffer.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException(path, $"storage '{entryName}' is truncated or corrupt: {e.Message}", e);
        }
        if (bytes.Length % elementSize != 0) throw new CheckpointException(path, $"storage '{entryName}' has {bytes.Length} bytes, not a multiple of {elementSize}.");
        if (bigEndian && elementSize > 1)
            for (int i = 0; i < bytes.Length; i += elementSize) bytes.AsSpan(i, elementSize).Reverse();
        var storage = empty(bytes.Length / elementSize, dtype: type);
        storage.bytes = bytes;
        return storage;
    }

    /// <summary><c>_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata])</c> → a contiguous copy.</summary>
    private static Tensor RebuildTensor(object?[] args, string path)
    {
        if (args.Length < 4 || args[0] is not Tensor storage || args[1] is not long offset || args[2] is not object?[] size || args[3] is not object?[] stride)
            throw new CheckpointException(path, $"unexpected _rebuild_tensor_v2 arguments ({string.Join(", ", args.Select(Describe))}).");
        long[] shape = size.Select(s => s is long v ? v : throw new CheckpointException(path, "non-integer tensor size.")).ToArray();
        long[] strides = stride.Select(s => s is long v ? v : throw new CheckpointException(path, "non-integer tensor stride.")).ToArray();
        long needed = offset + 1 + shape.Zip(strides, (n, s) => n == 0 ? 0 : (n - 1) * s).Sum();
        if (shape.Any(n => n == 0)) needed = 0;
        if (needed > storage.numel())
            throw new CheckpointException(path, $"a tensor of size ({string.Join(",", shape)}) stride ({string.Join(",", strides)}) offset {offset} reaches past its storage of {storage.numel()} elements.");
        using var scope = NewDisposeScope();
        return storage.as_strided(shape, strides, offset).contiguous().clone().MoveToOuterDisposeScope();
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{s}'",
        long or double => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        object?[] tuple => $"({string.Join(", ", tuple.Select(Describe))})",
        _ => value.GetType().Name,
    };
}
