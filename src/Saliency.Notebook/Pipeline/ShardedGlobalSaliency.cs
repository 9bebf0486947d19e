using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Pipeline;

/// <summary>What a shard's pass wrote: the partial's path and size, the shard's rows and the pass's seconds.</summary>
public sealed record ShardPartial(string Path, long Bytes, DataShard Shard, long Rows, double Seconds);

/// <summary>What <see cref="ShardedGlobalSaliency.Fit"/> wrote: the fit file, the merged PCA, the labels in map order, N and the shard count.</summary>
public sealed record ShardedFit(string Path, LatentPca Pca, IReadOnlyList<string> Labels, long Samples, int Shards, GradCamPath GradCamPath);

/// <summary>
/// The engine's two passes (<see cref="StreamingGlobalSaliency"/>) split into shards that any scheduler runs (a Slurm job array, a
/// Kubernetes Indexed Job, local processes), with exact merges in between: <see cref="Moments"/> (pass 1 of one shard: count, mean and
/// centred scatter of its latents, its labels and value ranges) → <see cref="Fit"/> (the moments merged by Chan et al.'s update, the
/// PCA and the bin edges) → <see cref="Maps"/> (pass 2 of one shard: bin sums and counts) → <see cref="Merge"/> (the sums and counts added,
/// the maps finished and written as <c>saliency pipeline</c> writes them). Every partial carries the model's, the data's and the settings'
/// fingerprints and the SHA-256 of the shard's rows, so partials of another model, other data, other settings or another shard count, a
/// missing or a duplicate shard, and a shard whose data changed between the passes are refused with the file at fault named.
/// </summary>
public static class ShardedGlobalSaliency
{
    /// <summary>
    /// Pass 1 of shard <paramref name="shard"/> of <paramref name="source"/>: writes <c>moments-I-of-N.npz</c> and the shard's posterior
    /// means <c>latents-I-of-N.npy</c> into <paramref name="partialsFolder"/>. <paramref name="options"/> are the run's settings (K, grid,
    /// sigma, layer, variant); every shard must be given the same.
    /// </summary>
    public static ShardPartial Moments(ILatentEncoder model, IChunkedSeries source, DataShard shard, string partialsFolder, PipelineOptions? options = null,
        Device? device = null, IProgress<StreamingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(partialsFolder);
        options ??= new PipelineOptions();
        MapVariant variant = PipelineGuards.Check(model, source.Name, source.Channels, source.Length, source.PlotKind, options);
        device ??= model.ParameterDevice();
        int batchSize = options.BatchSize ?? LatentExplainer.DefaultBatchSizeFor(device);
        var clock = Stopwatch.StartNew();
        var rows = shard.Of(source);
        var identity = Identity(model, source, options, variant);

        string latentsName = ShardFiles.Name("latents", shard.Index, shard.Count, ".npy");
        using var runScope = NewDisposeScope();
        using var affine = AffineHeadGradCam.TryCreate(model, options.Layer);
        using var hasher = new SeriesFingerprint();
        StreamingGlobalSaliency.EncodedPass encoded;
        using (var latents = new NpyStreamWriter(Path.Combine(partialsFolder, latentsName), model.LatentDim))
        {
            encoded = StreamingGlobalSaliency.EncodePass(model, rows, affine, device, batchSize, latents.Append, hasher.Add, progress, cancellation);
            if (rows.Count is long expected && encoded.Samples != expected)
                throw new InvalidOperationException($"Shard {shard} of '{source.Name}' should hold {expected} rows but the source gave {encoded.Samples}.");
            latents.Complete();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var moments = encoded.Moments;
        var manifest = Manifest(ShardFiles.MomentsKind, shard, FirstRow(shard, source), encoded.Samples, source.Count!.Value, identity);
        manifest["content_sha256"] = hasher.Finish();
        manifest["labels"] = Array(encoded.Labels.Order(StringComparer.Ordinal));
        manifest["affine_residual"] = encoded.AffineResidual;
        manifest["latents"] = new JsonObject { ["file"] = latentsName, ["sha256"] = ShardFiles.Sha256(Path.Combine(partialsFolder, latentsName)) };
        manifest["device"] = device.ToString();
        manifest["seconds"] = new JsonObject { ["encode"] = encoded.Seconds, ["total"] = seconds };
        int d = model.LatentDim;
        var scatter = new double[d * d];
        Buffer.BlockCopy(moments.Scatter, 0, scatter, 0, scatter.Length * sizeof(double));
        string path = Path.Combine(partialsFolder, ShardFiles.Name(ShardFiles.MomentsKind, shard.Index, shard.Count, ".npz"));
        ShardFiles.WritePartial(path, manifest,
        [
            ShardFiles.NpyEntry.Of("count", [moments.Count], 1), ShardFiles.NpyEntry.Of("mean", moments.Mean, d), ShardFiles.NpyEntry.Of("scatter", scatter, d, d),
            ShardFiles.NpyEntry.Of("min", encoded.Min, source.Channels), ShardFiles.NpyEntry.Of("max", encoded.Max, source.Channels),
        ]);
        return new ShardPartial(path, new FileInfo(path).Length, shard, encoded.Samples, seconds);
    }

    /// <summary>
    /// Merges every shard's <c>moments-*.npz</c> found in <paramref name="partialsFolders"/> and writes the fit to <paramref name="fitPath"/>:
    /// the PCA of all latents (from their merged moments, as one machine's engine fits it), the labels, the value ranges that fix the
    /// bin edges, the GradCAM route, and each shard's record (rows, content hash, latents file) that the second pass and the merge check.
    /// </summary>
    public static ShardedFit Fit(IEnumerable<string> partialsFolders, string fitPath)
    {
        ArgumentNullException.ThrowIfNull(partialsFolders);
        ArgumentException.ThrowIfNullOrWhiteSpace(fitPath);
        var clock = Stopwatch.StartNew();
        var folders = partialsFolders.ToArray();
        var partials = ShardFiles.Find(folders, ShardFiles.MomentsKind).Select(p => ShardFiles.ReadPartial(p, ShardFiles.MomentsKind)).ToList();
        var ordered = CheckShards(partials);
        var first = ordered[0].Manifest;
        var settings = Options(first["settings"]!.AsObject());
        int d = first["dataset"]!["latent_dim"]!.GetValue<int>(), channels = first["dataset"]!["channels"]!.GetValue<int>();

        var moments = new LatentMoments(d);
        var min = Enumerable.Repeat(double.PositiveInfinity, channels).ToArray();
        var max = Enumerable.Repeat(double.NegativeInfinity, channels).ToArray();
        var labels = new HashSet<string>(StringComparer.Ordinal);
        double? residual = 0;
        var shards = new JsonArray();
        foreach (var partial in ordered)
        {
            var m = partial.Manifest;
            long count = partial.Array("count").ToInt64Array()[0];
            var scatter = new double[d, d];
            Buffer.BlockCopy(Shape(partial, "scatter", d, d).ToDoubleArray(), 0, scatter, 0, d * d * sizeof(double));
            moments.Merge(LatentMoments.FromParts(count, Shape(partial, "mean", d).ToDoubleArray(), scatter));
            var shardMin = Shape(partial, "min", channels).ToDoubleArray();
            var shardMax = Shape(partial, "max", channels).ToDoubleArray();
            for (int c = 0; c < channels; c++)
            {
                min[c] = Math.Min(min[c], shardMin[c]);
                max[c] = Math.Max(max[c], shardMax[c]);
            }
            foreach (var label in m["labels"]!.AsArray()) labels.Add((string)label!);
            residual = residual is double r && (double?)m["affine_residual"] is double shardResidual ? Math.Max(r, shardResidual) : null;
            shards.Add(new JsonObject
            {
                ["index"] = m["shard"]!["index"]!.GetValue<int>(), ["first_row"] = m["rows"]!["first"]?.DeepClone(), ["rows"] = m["rows"]!["count"]!.GetValue<long>(),
                ["content_sha256"] = (string?)m["content_sha256"], ["latents"] = m["latents"]!.DeepClone(), ["device"] = (string?)m["device"],
                ["encode_seconds"] = m["seconds"]!["encode"]!.GetValue<double>(),
            });
        }
        if (moments.Count < 2) throw new ArgumentException($"The shards hold {moments.Count} sample(s) together; the PCA needs at least 2.");
        var pca = LatentPca.FromMoments(moments, settings.Components);
        var mapLabels = LabelOrder.Distinct(labels);
        var path = residual is double all && all <= AffineHeadGradCam.Tolerance ? GradCamPath.AffineHead : GradCamPath.General;
        var fit = new JsonObject
        {
            ["format"] = ShardFiles.Format, ["format_version"] = ShardFiles.FormatVersion, ["kind"] = ShardFiles.FitKind,
            ["shards"] = ordered.Count,
            ["model_sha256"] = (string?)first["model_sha256"], ["data_sha256"] = (string?)first["data_sha256"],
            ["settings"] = first["settings"]!.DeepClone(), ["dataset"] = first["dataset"]!.DeepClone(),
            ["samples"] = moments.Count,
            ["labels"] = Array(mapLabels),
            ["min"] = Array(min), ["max"] = Array(max),
            ["gradcam_path"] = PathName(path), ["affine_residual"] = residual,
            ["pca"] = new JsonObject
            {
                ["mean"] = Array(pca.Mean), ["components"] = new JsonArray(Enumerable.Range(0, pca.ComponentCount).Select(k => (JsonNode)Array(Row(pca.Components, k))).ToArray()),
                ["singular_values"] = Array(pca.SingularValues), ["explained_variance"] = Array(pca.ExplainedVariance),
                ["explained_variance_ratio"] = Array(pca.ExplainedVarianceRatio), ["n_samples"] = pca.SampleCount,
            },
            ["shard_records"] = shards,
            ["seconds"] = clock.Elapsed.TotalSeconds,
        };
        ShardFiles.WriteFit(fitPath, fit);
        return new ShardedFit(Path.GetFullPath(fitPath), pca, mapLabels, moments.Count, ordered.Count, path);
    }

    /// <summary>
    /// Pass 2 of shard <paramref name="shard"/>: |GradCAM| of its rows towards every latent dimension, projected on the fit's components and
    /// binned with the fit's edges, written as <c>maps-I-of-N.npz</c> (per label, component and bin: the sum of |projection| and the count)
    /// into <paramref name="partialsFolder"/>. The model, the data and the shard count must be the fit's, and the shard's rows those its
    /// first pass read.
    /// </summary>
    public static ShardPartial Maps(ILatentEncoder model, IChunkedSeries source, string fitPath, DataShard shard, string partialsFolder,
        Device? device = null, int? batchSize = null, IProgress<StreamingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(partialsFolder);
        var (fit, fitSha) = ShardFiles.ReadFit(fitPath);
        var options = Options(fit["settings"]!.AsObject()) with { BatchSize = batchSize };
        MapVariant variant = PipelineGuards.Check(model, source.Name, source.Channels, source.Length, source.PlotKind, options);
        int shards = fit["shards"]!.GetValue<int>();
        if (shard.Count != shards) throw new ArgumentException($"--shard {shard}: the fit {fitPath} was computed from {shards} shards; run the second pass with --shard I/{shards}.");
        var identity = Identity(model, source, options, variant);
        CheckSame(fitPath, "the model", (string?)fit["model_sha256"], (string)identity["model_sha256"]!, "this worker's model");
        CheckSame(fitPath, "the data", (string?)fit["data_sha256"], (string)identity["data_sha256"]!, $"this worker's data '{source.Name}'");
        device ??= model.ParameterDevice();
        int rowsPerPass = batchSize ?? LatentExplainer.DefaultBatchSizeFor(device);
        var clock = Stopwatch.StartNew();
        var record = fit["shard_records"]!.AsArray().Single(r => r!["index"]!.GetValue<int>() == shard.Index)!;
        long count = record["rows"]!.GetValue<long>();

        using var runScope = NewDisposeScope();
        var pca = Pca(fit);
        var accumulator = StreamingGlobalSaliency.NewAccumulator(variant, Strings(fit["labels"]!), options, source.Length, Doubles(fit["min"]!), Doubles(fit["max"]!));
        using var affine = (string?)fit["gradcam_path"] == PathName(GradCamPath.AffineHead) ? AffineHeadGradCam.TryCreate(model, options.Layer) : null;
        using var hasher = new SeriesFingerprint();
        var mapped = StreamingGlobalSaliency.MapsPass(model, shard.Of(source), affine, options.Layer, pca, accumulator, device, rowsPerPass, null, hasher.Add,
            progress, count, cancellation);
        string content = hasher.Finish();
        if (mapped.Samples != count || content != (string?)record["content_sha256"])
            throw new InvalidOperationException($"Shard {shard}: its {mapped.Samples} rows of '{source.Name}' are not the {count} rows its first pass read (their SHA-256 differs from the fit's record); the data changed between the passes. Run both passes again.");
        double seconds = clock.Elapsed.TotalSeconds;

        var (sums, counts, points) = accumulator.ExportState();
        long labels = accumulator.Labels.Count, bins1 = accumulator.FirstBins, bins2 = accumulator.SecondBins;
        var manifest = Manifest(ShardFiles.MapsKind, shard, FirstRow(shard, source), count, source.Count!.Value, identity);
        manifest["fit_sha256"] = fitSha;
        manifest["content_sha256"] = content;
        manifest["points"] = points;
        manifest["gradcam_path"] = PathName(affine is null ? GradCamPath.General : GradCamPath.AffineHead);
        manifest["device"] = device.ToString();
        manifest["seconds"] = new JsonObject { ["gradcam"] = mapped.GradCamSeconds, ["projection"] = mapped.ProjectionSeconds, ["binning"] = mapped.BinningSeconds, ["total"] = seconds };
        string path = Path.Combine(partialsFolder, ShardFiles.Name(ShardFiles.MapsKind, shard.Index, shard.Count, ".npz"));
        ShardFiles.WritePartial(path, manifest,
            [ShardFiles.NpyEntry.Of("sums", sums, labels, options.Components, bins1, bins2), ShardFiles.NpyEntry.Of("counts", counts, labels, bins1, bins2)]);
        return new ShardPartial(path, new FileInfo(path).Length, shard, count, seconds);
    }

    /// <summary>
    /// Adds every shard's <c>maps-*.npz</c> in <paramref name="partialsFolders"/>, finishes the maps (mean, empty bins 0, Gaussian filter,
    /// normalisation) and writes into <paramref name="outputFolder"/> the files of a one-machine <c>saliency pipeline</c>: latents.npy (the
    /// shards' latents in row order), pca.json, labels.json, maps.npy, maps_norm.npy, combined.npy and summary.json.
    /// </summary>
    public static GlobalMapsRun Merge(string fitPath, IEnumerable<string> partialsFolders, string outputFolder)
    {
        ArgumentNullException.ThrowIfNull(partialsFolders);
        var clock = Stopwatch.StartNew();
        var (fit, fitSha) = ShardFiles.ReadFit(fitPath);
        var folders = partialsFolders.ToArray();
        var partials = ShardFiles.Find(folders, ShardFiles.MapsKind).Select(p => ShardFiles.ReadPartial(p, ShardFiles.MapsKind)).ToList();
        foreach (var partial in partials)
            if ((string?)partial.Manifest["fit_sha256"] != fitSha)
                throw new InvalidDataException($"{partial.FileName} was computed from another fit (SHA-256 {Short((string?)partial.Manifest["fit_sha256"])}) than {fitPath} ({Short(fitSha)}); run its shard's second pass again with --fit {fitPath}.");
        var ordered = CheckShards(partials);
        int shards = fit["shards"]!.GetValue<int>();
        if (ordered.Count != shards)
            throw new InvalidDataException($"{fitPath} was computed from {shards} shards but the maps partials are of {ordered.Count}.");
        var records = fit["shard_records"]!.AsArray().ToDictionary(r => r!["index"]!.GetValue<int>(), r => r!);
        var options = Options(fit["settings"]!.AsObject());
        var dataset = fit["dataset"]!;
        int length = dataset["length"]!.GetValue<int>();
        MapVariant variant = VariantOf((string)fit["settings"]!["variant"]!);
        var pca = Pca(fit);
        var accumulator = StreamingGlobalSaliency.NewAccumulator(variant, Strings(fit["labels"]!), options, length, Doubles(fit["min"]!), Doubles(fit["max"]!));
        double gradCam = 0, projection = 0, binning = 0, encode = 0;
        bool affine = true;
        var devices = new List<string>();
        foreach (var partial in ordered)
        {
            var m = partial.Manifest;
            int index = m["shard"]!["index"]!.GetValue<int>();
            if ((string?)m["content_sha256"] != (string?)records[index]["content_sha256"])
                throw new InvalidDataException($"{partial.FileName}: its rows are not the rows shard {index}'s first pass read; run both passes of that shard again.");
            var sums = Shape(partial, "sums", accumulator.Labels.Count, options.Components, accumulator.FirstBins, accumulator.SecondBins).ToDoubleArray();
            var counts = Shape(partial, "counts", accumulator.Labels.Count, accumulator.FirstBins, accumulator.SecondBins).ToInt64Array();
            accumulator.MergeState(sums, counts, m["points"]!.GetValue<long>());
            var seconds = m["seconds"]!;
            gradCam += seconds["gradcam"]!.GetValue<double>();
            projection += seconds["projection"]!.GetValue<double>();
            binning += seconds["binning"]!.GetValue<double>();
            encode += records[index]["encode_seconds"]!.GetValue<double>();
            affine &= (string?)m["gradcam_path"] == PathName(GradCamPath.AffineHead);
            devices.Add((string)m["device"]!);
        }
        clock.Restart();
        var maps = accumulator.ToMaps();
        double finish = clock.Elapsed.TotalSeconds;
        var run = new GlobalMapsRun((string)dataset["name"]!, fit["samples"]!.GetValue<long>(), length, pca.LatentDim, pca, variant, maps, options,
            new PipelineTimings(encode, fit["seconds"]!.GetValue<double>(), gradCam, projection, binning, finish), string.Join(", ", devices.Distinct()),
            affine ? GradCamPath.AffineHead : GradCamPath.General, (double?)fit["affine_residual"]);
        PipelineOutputs.SaveMerged(run, outputFolder, latents => ConcatenateLatents(fit, records, folders, latents, pca.LatentDim));
        return run;
    }

    private static void ConcatenateLatents(JsonObject fit, IReadOnlyDictionary<int, JsonNode> records, string[] folders, string target, int latentDim)
    {
        using var writer = new NpyStreamWriter(target, latentDim);
        foreach (var index in records.Keys.Order())
        {
            var latents = records[index]["latents"]!;
            string name = (string)latents["file"]!;
            string file = folders.Select(f => Path.Combine(f, name)).FirstOrDefault(File.Exists)
                ?? throw new FileNotFoundException($"Shard {index}'s latents {name} are in none of {string.Join(", ", folders)}; the first pass writes them next to its moments partial.");
            if (ShardFiles.Sha256(file) != (string?)latents["sha256"])
                throw new InvalidDataException($"{file} is not the latents file shard {index}'s first pass wrote (its SHA-256 differs from the fit's record).");
            using var reader = new NpyChunkReader(file);
            long rows = records[index]["rows"]!.GetValue<long>();
            if (reader.Rows != rows || reader.RowElements != latentDim)
                throw new InvalidDataException($"{file} holds {reader.Rows} × {reader.RowElements} values; shard {index} has {rows} rows of {latentDim}.");
            const int block = 65536;
            var buffer = new float[block * latentDim];
            for (long row = 0; row < rows; row += block)
            {
                int n = (int)Math.Min(block, rows - row);
                reader.ReadRows(row, n, buffer);
                using var scope = NewDisposeScope();
                writer.Append(torch.tensor(buffer.AsSpan(0, n * latentDim).ToArray(), new long[] { n, latentDim }));
            }
        }
        writer.Complete();
    }

    /// <summary>The identity every partial carries: the fingerprints of the model, the whole source and the settings, and the data's shape.</summary>
    private static JsonObject Identity(ILatentEncoder model, IChunkedSeries source, PipelineOptions options, MapVariant variant)
    {
        var settings = new JsonObject
        {
            ["components"] = options.Components, ["grid"] = options.GridSize, ["sigma"] = options.Sigma, ["layer"] = options.Layer,
            ["variant"] = variant == MapVariant.TimeSeries ? "time-series" : "trajectories",
        };
        return new JsonObject
        {
            ["model_sha256"] = ModelFingerprint.Of(model),
            ["data_sha256"] = SeriesFingerprint.Of(source),
            ["settings"] = settings,
            ["dataset"] = new JsonObject
            {
                ["name"] = source.Name, ["channels"] = source.Channels, ["length"] = source.Length, ["latent_dim"] = model.LatentDim,
                ["plot_kind"] = source.PlotKind.ToString(),
            },
        };
    }

    /// <summary>The shard's first row when the source reads by row range (its chunks' size fixes it up front), else null.</summary>
    private static long? FirstRow(DataShard shard, IChunkedSeries source) =>
        source is IRowRangeSeries ranged ? shard.RowRange(source.Count!.Value, ranged.ChunkSize).First : null;

    private static JsonObject Manifest(string kind, DataShard shard, long? first, long count, long total, JsonObject identity)
    {
        var manifest = new JsonObject
        {
            ["format"] = ShardFiles.Format, ["format_version"] = ShardFiles.FormatVersion, ["kind"] = kind,
            ["shard"] = new JsonObject { ["index"] = shard.Index, ["count"] = shard.Count },
            ["rows"] = new JsonObject { ["first"] = first, ["count"] = count, ["total"] = total },
        };
        foreach (var (key, value) in identity) manifest[key] = value!.DeepClone();
        return manifest;
    }

    /// <summary>
    /// Checks that <paramref name="partials"/> are of one model, one data source, one set of settings and one shard count, and hold every
    /// shard once; returns them in shard order. The error names the file at fault: the one that differs from the others, the second copy
    /// of a shard, or the shards that are missing.
    /// </summary>
    private static List<ShardFiles.Partial> CheckShards(IReadOnlyList<ShardFiles.Partial> partials)
    {
        Agree(partials, p => (string?)p.Manifest["model_sha256"], "model");
        Agree(partials, p => (string?)p.Manifest["data_sha256"], "data");
        Agree(partials, p => p.Manifest["settings"]?.ToJsonString(), "settings");
        Agree(partials, p => p.Manifest["shard"]?["count"]?.ToJsonString(), "shard count");
        int count = partials[0].Manifest["shard"]!["count"]!.GetValue<int>();
        var byIndex = new Dictionary<int, ShardFiles.Partial>();
        foreach (var partial in partials)
        {
            int index = partial.Manifest["shard"]!["index"]!.GetValue<int>();
            if (index < 1 || index > count) throw new InvalidDataException($"{partial.Path} says it is shard {index} of {count}, outside 1..{count}.");
            if (!byIndex.TryAdd(index, partial))
                throw new InvalidDataException($"Shard {index} of {count} appears twice: {byIndex[index].Path} and {partial.Path}; keep one.");
        }
        var missing = Enumerable.Range(1, count).Where(i => !byIndex.ContainsKey(i)).ToArray();
        if (missing.Length > 0)
            throw new InvalidDataException($"Shard{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing)} of {count} {(missing.Length > 1 ? "are" : "is")} missing from the partials ({string.Join(", ", partials.Select(p => Path.GetDirectoryName(p.Path)).Distinct())}); run {(missing.Length > 1 ? "them" : "it")} first.");
        return byIndex.OrderBy(p => p.Key).Select(p => p.Value).ToList();
    }

    private static void Agree(IReadOnlyList<ShardFiles.Partial> partials, Func<ShardFiles.Partial, string?> key, string what)
    {
        var groups = partials.GroupBy(key).OrderByDescending(g => g.Count()).ThenBy(g => g.Min(p => p.Path), StringComparer.Ordinal).ToList();
        if (groups.Count <= 1) return;
        var odd = groups.Skip(1).SelectMany(g => g).Select(p => p.FileName).Order(StringComparer.Ordinal).ToList();
        throw new InvalidDataException(
            $"The partials are of different {what}: {string.Join(", ", odd)} {(odd.Count > 1 ? "have" : "has")} {what} {Short(key(groups[1].First()))}, " +
            $"the other {groups[0].Count()} ({string.Join(", ", groups[0].Select(p => p.FileName).Take(3))}{(groups[0].Count() > 3 ? ", …" : "")}) {Short(groups[0].Key)}. " +
            "Partials of one run share one model, one dataset, one set of settings and one shard count.");
    }

    private static void CheckSame(string fitPath, string what, string? expected, string actual, string whose)
    {
        if (expected != actual)
            throw new ArgumentException($"{whose} is not {what} the fit {fitPath} was computed from (SHA-256 {Short(actual)} against {Short(expected)}); give the same {what.Replace("the ", "", StringComparison.Ordinal)} to every pass.");
    }

    private static PipelineOptions Options(JsonObject settings) => new()
    {
        Components = settings["components"]!.GetValue<int>(), GridSize = settings["grid"]!.GetValue<int>(), Sigma = settings["sigma"]!.GetValue<double>(),
        Layer = (string)settings["layer"]!, Variant = VariantOf((string)settings["variant"]!),
    };

    private static MapVariant VariantOf(string name) => name switch
    {
        "time-series" => MapVariant.TimeSeries,
        "trajectories" => MapVariant.Trajectories,
        _ => throw new InvalidDataException($"Unknown map variant '{name}' in a fit file."),
    };

    private static LatentPca Pca(JsonObject fit)
    {
        var p = fit["pca"]!;
        var rows = p["components"]!.AsArray().Select(r => Doubles(r!)).ToArray();
        var components = new double[rows.Length, rows[0].Length];
        for (int k = 0; k < rows.Length; k++)
            for (int j = 0; j < rows[k].Length; j++) components[k, j] = rows[k][j];
        return LatentPca.FromParts(Doubles(p["mean"]!), components, Doubles(p["singular_values"]!), Doubles(p["explained_variance"]!),
            Doubles(p["explained_variance_ratio"]!), p["n_samples"]!.GetValue<long>());
    }

    private static NpyArray Shape(ShardFiles.Partial partial, string name, params long[] shape)
    {
        var array = partial.Array(name);
        if (!array.Shape.SequenceEqual(shape))
            throw new InvalidDataException($"{partial.FileName}: '{name}' has shape {array.ShapeText}, expected ({string.Join(", ", shape)}).");
        return array;
    }

    private static string PathName(GradCamPath path) => path == GradCamPath.AffineHead ? "affine-head" : "general";
    private static string Short(string? sha) => sha is null ? "(none)" : sha.Length > 12 ? sha[..12] + "…" : sha;
    private static double[] Row(double[,] matrix, int row) => Enumerable.Range(0, matrix.GetLength(1)).Select(j => matrix[row, j]).ToArray();
    private static double[] Doubles(JsonNode node) => node.AsArray().Select(v => v!.GetValue<double>()).ToArray();
    private static string[] Strings(JsonNode node) => node.AsArray().Select(v => (string)v!).ToArray();
    private static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
    private static JsonArray Array(IEnumerable<double> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
