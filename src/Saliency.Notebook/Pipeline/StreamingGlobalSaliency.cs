using System.Diagnostics;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Pipeline;

/// <summary>How the streaming pipeline computed |GradCAM|.</summary>
public enum GradCamPath
{
    /// <summary>The head after the layer is affine: ∂z/∂A computed once (<see cref="AffineHeadGradCam"/>), one forward pass per chunk.</summary>
    AffineHead,
    /// <summary>One forward pass per chunk and one backward pass per latent target (<see cref="GradCam"/>).</summary>
    General,
}

/// <summary>Where the streaming pipeline hands the per-chunk arrays it does not keep (e.g. to files); each may be null.</summary>
/// <param name="Latents">Pass 1: posterior means of each chunk, (B, D) float32 on the CPU.</param>
/// <param name="GradCam">Pass 2: |GradCAM| of each chunk, (B, L, D) float32.</param>
/// <param name="Projections">Pass 2: the projections on the components, (B, L, K) float32.</param>
public sealed record StreamingSinks(Action<Tensor>? Latents = null, Action<Tensor>? GradCam = null, Action<Tensor>? Projections = null);

/// <summary>Where a streaming run is: the pass ("encode" or "maps"), samples done in it, and N when the source knows it.</summary>
public readonly record struct StreamingProgress(string Pass, long Done, long? Total);

/// <summary>
/// Seconds spent in each part of a run of the method, the same parts whether the engine ran it or the notebook's steps did:
/// encoding, the PCA, GradCAM, the projection, binning the points, and finishing the maps (filter, normalisation).
/// </summary>
public sealed record PipelineTimings(double EncodeSeconds, double PcaSeconds, double GradCamSeconds, double ProjectionSeconds, double BinningSeconds, double FinishSeconds)
{
    /// <summary>Binning and finishing: the binned maps' step.</summary>
    public double MapsSeconds => BinningSeconds + FinishSeconds;

    /// <summary>All parts together.</summary>
    public double TotalSeconds => EncodeSeconds + PcaSeconds + GradCamSeconds + ProjectionSeconds + BinningSeconds + FinishSeconds;
}

/// <summary>
/// What one run of the method computed, without per-sample arrays (those went to the <see cref="StreamingSinks"/>, or stay in a
/// <see cref="GlobalSaliencyResult"/>): the PCA, the maps, the settings, the timings and the GradCAM route. It is what
/// <c>summary.json</c> is written from, whoever ran the method.
/// </summary>
public sealed class GlobalMapsRun
{
    internal GlobalMapsRun(string dataset, long samples, int length, int latentDim, LatentPca pca, MapVariant variant, GlobalSaliencyMap maps,
        PipelineOptions options, PipelineTimings timings, string device, GradCamPath path, double? affineResidual)
    {
        Dataset = dataset; Samples = samples; Length = length; LatentDim = latentDim; Pca = pca; Variant = variant; Maps = maps;
        Options = options; Timings = timings; Device = device; GradCamPath = path; AffineResidual = affineResidual;
    }

    /// <summary>Dataset name.</summary>
    public string Dataset { get; }
    /// <summary>N.</summary>
    public long Samples { get; }
    /// <summary>L.</summary>
    public int Length { get; }
    /// <summary>D.</summary>
    public int LatentDim { get; }
    /// <summary>PCA of the latents, from their accumulated moments.</summary>
    public LatentPca Pca { get; }
    /// <summary>The binning used.</summary>
    public MapVariant Variant { get; }
    /// <summary>Maps per label and component, before and after normalisation.</summary>
    public GlobalSaliencyMap Maps { get; }
    /// <summary>The settings of the run.</summary>
    public PipelineOptions Options { get; }
    /// <summary>Timings.</summary>
    public PipelineTimings Timings { get; }
    /// <summary>The device the model ran on.</summary>
    public string Device { get; }
    /// <summary>How |GradCAM| was computed.</summary>
    public GradCamPath GradCamPath { get; }
    /// <summary>The largest relative distance of the data's latents from the affine model z = J·A + c (null when the head was not affine on the probes).</summary>
    public double? AffineResidual { get; }

    /// <summary>How labels are combined into one map per component: sum for time series, max for trajectories.</summary>
    public LabelCombination Combination => Variant == MapVariant.TimeSeries ? LabelCombination.Sum : LabelCombination.Max;

    /// <summary>The combined normalised map of each component, (K, G1, G2).</summary>
    public double[,,] Combined() => Maps.CombineAll(Combination);
}

/// <summary>
/// The paper's global saliency maps in memory that does not grow with N, from any <see cref="IChunkedSeries"/>. Pass 1 encodes each
/// chunk (posterior means into <see cref="LatentMoments"/>; the labels; per-channel value ranges for the bins); the PCA comes from the
/// moments. Pass 2, per chunk: |GradCAM| towards every latent dimension → projection on the components (not centred) → per-(label,
/// component) bin sums and counts (<see cref="GlobalMapAccumulator"/>) → the chunk is dropped. Then mean, empty bins → 0, Gaussian
/// filter and normalisation, so the maps equal <see cref="GlobalSaliencyPipeline.Run"/>'s. |GradCAM| takes the affine-head path when
/// the probes and every sample of pass 1 confirm it (<see cref="AffineHeadGradCam"/>), else the general one.
/// </summary>
public static class StreamingGlobalSaliency
{
    /// <summary>
    /// Runs both passes over <paramref name="source"/> with <paramref name="model"/> on <paramref name="device"/> (default: the model's).
    /// <paramref name="cancellation"/> is checked between chunks.
    /// </summary>
    public static GlobalMapsRun Run(ILatentEncoder model, IChunkedSeries source, PipelineOptions? options = null, Device? device = null,
        StreamingSinks? sinks = null, IProgress<StreamingProgress>? progress = null, CancellationToken cancellation = default) =>
        Run(model, source, options, device, sinks, progress, null, cancellation);

    /// <summary>
    /// The engine. <paramref name="fitPca"/> fits the PCA after pass 1 from its moments (default: <see cref="LatentPca.FromMoments"/>,
    /// in O(D²) memory); the in-memory pipeline, which keeps every latent, fits scikit-learn's SVD on them instead.
    /// </summary>
    internal static GlobalMapsRun Run(ILatentEncoder model, IChunkedSeries source, PipelineOptions? options, Device? device,
        StreamingSinks? sinks, IProgress<StreamingProgress>? progress, Func<LatentMoments, int, LatentPca>? fitPca, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        options ??= new PipelineOptions();
        MapVariant variant = PipelineGuards.Check(model, source.Name, source.Channels, source.Length, source.PlotKind, options);
        device ??= model.ParameterDevice();
        int batchSize = options.BatchSize ?? LatentExplainer.DefaultBatchSizeFor(device);
        var clock = Stopwatch.StartNew();

        using var runScope = NewDisposeScope();   // the chunks the source creates and the components: nothing of the run outlives it
        AffineHeadGradCam? affine = AffineHeadGradCam.TryCreate(model, options.Layer);
        try
        {
            // Pass 1: latents → moments, labels, value ranges.
            var encoded = EncodePass(model, source, affine, device, batchSize, sinks?.Latents, null, progress, cancellation);
            if (encoded.Samples < 2) throw new ArgumentException($"Dataset '{source.Name}' has {encoded.Samples} sample(s); the PCA needs at least 2.");
            double encodeSeconds = Lap(clock, device);   // the affine head's probes and pass 1
            if (affine is not null && encoded.AffineResidual > AffineHeadGradCam.Tolerance)
            {
                affine.Dispose();
                affine = null;
            }

            LatentPca pca = (fitPca ?? LatentPca.FromMoments)(encoded.Moments, options.Components);
            var accumulator = NewAccumulator(variant, LabelOrder.Distinct(encoded.Labels), options, source.Length, encoded.Min, encoded.Max);
            double pcaSeconds = Lap(clock, device);

            // Pass 2: |GradCAM| → projection → bin sums and counts, chunk by chunk.
            var mapped = MapsPass(model, source, affine, options.Layer, pca, accumulator, device, batchSize, sinks, null, progress, encoded.Samples, cancellation);
            if (mapped.Samples != encoded.Samples)
                throw new InvalidOperationException($"Dataset '{source.Name}' gave {encoded.Samples} samples on its first pass and {mapped.Samples} on its second: a chunked source must give the same data on every pass.");

            clock.Restart();
            var maps = accumulator.ToMaps();
            double finishSeconds = Lap(clock, device);
            return new GlobalMapsRun(source.Name, encoded.Samples, source.Length, model.LatentDim, pca, variant, maps, options,
                new PipelineTimings(encodeSeconds, pcaSeconds, mapped.GradCamSeconds, mapped.ProjectionSeconds, mapped.BinningSeconds, finishSeconds), device.ToString(),
                affine is null ? GradCamPath.General : GradCamPath.AffineHead, encoded.AffineResidual);
        }
        finally
        {
            affine?.Dispose();
        }
    }

    /// <summary>What pass 1 gathers: the latents' moments, the labels seen, per-channel value ranges, N, and the affine head's residual.</summary>
    internal sealed record EncodedPass(LatentMoments Moments, HashSet<string> Labels, double[] Min, double[] Max, long Samples, double? AffineResidual, double Seconds);

    /// <summary>What pass 2 did: samples binned and the seconds of its parts.</summary>
    internal sealed record MappedPass(long Samples, double GradCamSeconds, double ProjectionSeconds, double BinningSeconds);

    /// <summary>
    /// Pass 1 over <paramref name="source"/>: posterior means (through the affine head when there is one, which also measures how far the
    /// data's latents are from z = J·A + c) into moments, the labels and the value ranges. <paramref name="onChunk"/> sees every chunk
    /// (e.g. to hash a shard's content).
    /// </summary>
    internal static EncodedPass EncodePass(ILatentEncoder model, IChunkedSeries source, AffineHeadGradCam? affine, Device device, int batchSize,
        Action<Tensor>? latentsSink, Action<SeriesChunk>? onChunk, IProgress<StreamingProgress>? progress, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var moments = new LatentMoments(model.LatentDim);
        var labels = new HashSet<string>(StringComparer.Ordinal);
        var min = Enumerable.Repeat(double.PositiveInfinity, source.Channels).ToArray();
        var max = Enumerable.Repeat(double.NegativeInfinity, source.Channels).ToArray();
        double residual = 0;
        long samples = 0;
        foreach (var chunk in CheckedChunks(source, onChunk, cancellation))
        {
            using var scope = NewDisposeScope();
            var x = chunk.X.to(device);
            Tensor latents;
            if (affine is not null)
            {
                (latents, double chunkResidual) = affine.EncodeChecked(x);
                LatentEncoding.EnsureFinite(latents, samples);     // PosteriorMeans checks the general path's itself
                residual = Math.Max(residual, chunkResidual);
            }
            else latents = model.PosteriorMeans(x, device, batchSize, firstSampleIndex: samples);
            var cpuLatents = latents.to(ScalarType.Float32).cpu();
            moments.Add(cpuLatents);
            latentsSink?.Invoke(cpuLatents);
            foreach (var label in chunk.Labels) labels.Add(label);
            var chunkMin = chunk.X.amin(new long[] { 0, 2 }).to(ScalarType.Float64).data<double>().ToArray();
            var chunkMax = chunk.X.amax(new long[] { 0, 2 }).to(ScalarType.Float64).data<double>().ToArray();
            for (int c = 0; c < source.Channels; c++)
            {
                min[c] = Math.Min(min[c], chunkMin[c]);
                max[c] = Math.Max(max[c], chunkMax[c]);
            }
            samples += chunk.Count;
            progress?.Report(new StreamingProgress("encode", samples, source.Count));
        }
        return new EncodedPass(moments, labels, min, max, samples, affine is null ? null : residual, Lap(clock, device));
    }

    /// <summary>
    /// The empty accumulator of a run: time × value bins over the range of every channel for time series, x × y bins over channels 0
    /// and 1 for trajectories, with <paramref name="labels"/> in map order.
    /// </summary>
    internal static GlobalMapAccumulator NewAccumulator(MapVariant variant, IReadOnlyList<string> labels, PipelineOptions options, int length, double[] min, double[] max) =>
        variant == MapVariant.TimeSeries
            ? GlobalMapAccumulator.TimeSeries(labels, options.Components, length, (min.Min(), max.Max()), options.GridSize, options.Sigma)
            : GlobalMapAccumulator.Trajectories(labels, options.Components, length, (min[0], max[0]), (min[1], max[1]), options.GridSize, options.Sigma);

    /// <summary>
    /// Pass 2 over <paramref name="source"/>: |GradCAM| towards every latent dimension (the affine head's when given, else the general
    /// path at <paramref name="layer"/>), projected on <paramref name="pca"/>'s components and binned into <paramref name="accumulator"/>,
    /// chunk by chunk. A label the accumulator does not know is an error (a source that changed between passes).
    /// </summary>
    internal static MappedPass MapsPass(ILatentEncoder model, IChunkedSeries source, AffineHeadGradCam? affine, string layer, LatentPca pca,
        GlobalMapAccumulator accumulator, Device device, int batchSize, StreamingSinks? sinks, Action<SeriesChunk>? onChunk,
        IProgress<StreamingProgress>? progress, long? total, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var labelIndex = accumulator.Labels.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i, StringComparer.Ordinal);
        GradCam? general = affine is null ? new GradCam(model, layer) : null;
        double gradCamSeconds = 0, projectionSeconds = 0, binningSeconds = 0;
        long seen = 0;
        foreach (var chunk in CheckedChunks(source, onChunk, cancellation))
        {
            using var scope = NewDisposeScope();
            var x = chunk.X.to(device);
            var gradCam = affine is not null
                ? affine.Maps(x)
                : general!.Attribute(x, batchSize: batchSize).Values.to(ScalarType.Float32);
            gradCamSeconds += Lap(clock, device);
            var projections = pca.ProjectMaps(gradCam).to(ScalarType.Float32);
            sinks?.GradCam?.Invoke(gradCam);
            sinks?.Projections?.Invoke(projections);
            projectionSeconds += Lap(clock, device);
            var index = new int[chunk.Count];
            for (int i = 0; i < index.Length; i++)
                index[i] = labelIndex.TryGetValue(chunk.Labels[i], out int l) ? l
                    : throw new InvalidOperationException($"Dataset '{source.Name}' gave label '{chunk.Labels[i]}' on its second pass only: a chunked source must give the same data on every pass.");
            accumulator.Add(chunk.X.permute(0, 2, 1), projections, index);
            seen += chunk.Count;
            binningSeconds += Lap(clock, device);
            progress?.Report(new StreamingProgress("maps", seen, total));
        }
        return new MappedPass(seen, gradCamSeconds, projectionSeconds, binningSeconds);
    }

    /// <summary>The source's chunks, each checked against its declared shape and shown to <paramref name="onChunk"/>, disposed once the caller moves on; the pass stops between chunks when cancelled.</summary>
    private static IEnumerable<SeriesChunk> CheckedChunks(IChunkedSeries source, Action<SeriesChunk>? onChunk, CancellationToken cancellation)
    {
        foreach (var chunk in source.Chunks())
            using (chunk)
            {
                cancellation.ThrowIfCancellationRequested();
                CheckChunk(source, chunk);
                onChunk?.Invoke(chunk);
                yield return chunk;
            }
    }

    private static void CheckChunk(IChunkedSeries source, SeriesChunk chunk)
    {
        if (chunk.X.shape[1] != source.Channels || chunk.X.shape[2] != source.Length)
            throw new ArgumentException($"Dataset '{source.Name}' declares {source.Channels} × {source.Length} but gave a chunk of [{string.Join(", ", chunk.X.shape)}].");
    }

    private static double Lap(Stopwatch clock, Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
        double seconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return seconds;
    }
}
