using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>
/// GradCAM towards every latent dimension when the encoder after the hooked layer is affine, z = J·A + c (the paper's CVAE in
/// eval mode: after its last conv come only average pooling, flattening and the Linear <c>z_loc</c>). Then ∂z/∂A = J does not
/// depend on the input, so it is computed once, exactly, by one backward pass of a few probe series, and for any x
/// M_d = Σ_k α_dk A_k with α = mean over time of J: one forward pass to the layer and one matrix product, no backward pass
/// per chunk and none per latent dimension. <see cref="TryCreate"/> decides whether the head is affine: the probes' gradients
/// must be identical and their offsets z − J·A equal; <see cref="EncodeChecked"/> re-checks z = J·A + c on real data. Heads that
/// are not affine keep the general path (<see cref="GradCam"/>), which gives the same maps where both apply.
/// </summary>
internal sealed class AffineHeadGradCam : IDisposable
{
    /// <summary>Relative tolerance of the affinity checks (float32 sums of K·W terms are exact to about 1e-6).</summary>
    public const double Tolerance = 1e-4;

    private readonly ILatentEncoder _model;
    private readonly Tensor _jacobian;
    private readonly Tensor _offset;
    private readonly Tensor _alpha;

    private AffineHeadGradCam(ILatentEncoder model, string layer, CamMode mode, Tensor jacobian, Tensor offset)
    {
        _model = model;
        Layer = layer;
        Mode = mode;
        _jacobian = jacobian;
        _offset = offset;
        _alpha = jacobian.mean(new long[] { 2 }).DetachFromDisposeScope();
    }

    /// <summary>The hooked layer.</summary>
    public string Layer { get; }

    /// <summary>Post-processing of the maps (the paper: <see cref="CamMode.Abs"/>).</summary>
    public CamMode Mode { get; }

    /// <summary>∂z/∂A, (D, K, W): the same for every input.</summary>
    public Tensor Jacobian => _jacobian;

    /// <summary>c = z − J·A, (D).</summary>
    public Tensor Offset => _offset;

    /// <summary>α = mean over time of ∂z/∂A, (D, K): GradCAM's channel weights for every latent dimension.</summary>
    public Tensor Alpha => _alpha;

    /// <summary>
    /// The fast path for <paramref name="model"/> at <paramref name="layer"/>, or null when the encoder after that layer is not affine
    /// (use <see cref="GradCam"/> then). Four seeded random series of different scales and offsets probe it; the head counts as affine
    /// when their gradients ∂z/∂A agree and z − J·A is the same for all four, within <see cref="Tolerance"/> of the terms' size.
    /// </summary>
    public static AffineHeadGradCam? TryCreate(ILatentEncoder model, string layer = GradCam.PaperLayer, CamMode mode = CamMode.Abs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layer);
        var parameter = model.Root.parameters().FirstOrDefault();
        var dtype = parameter?.dtype ?? ScalarType.Float32;
        var device = parameter?.device ?? CPU;
        int d = model.LatentDim;
        using var evalMode = ModelModeGuard.Eval(model.Root);
        using var gradMode = enable_grad();
        using var scope = NewDisposeScope();
        // Drawn on the CPU and moved: TorchSharp's Generator is a CPU generator whatever device it is given, and libtorch refuses it
        // for a CUDA randn; the CPU draw also gives every device the same probes.
        using var generator = new Generator(20261202);
        double[] scales = [1, 0.1, 10, 1], shifts = [0, 0, 0, 3];
        long probes = scales.Length;
        var x = cat(scales.Select((s, i) => randn(1, model.Channels, model.Length, dtype: dtype, generator: generator) * s + shifts[i]).ToArray(), 0).to(device);

        using var recorder = new LayerActivations(model.Root, [layer]) { Replicas = d };
        var latent = model.PosteriorMean(x);
        var activation = recorder.Take()[0];
        if (activation.dim() != 3)
            throw new ArgumentException($"A CAM needs a (batch, channels, time) activation, but layer '{layer}' gives shape [{string.Join(", ", activation.shape)}].");
        if (latent.shape[0] != d * probes) return null;   // a layer after the hooked one mixes the batch: not affine per sample
        var gradOutputs = eye(d, dtype: latent.dtype, device: device).repeat_interleave(probes, 0);
        var gradient = autograd.grad([latent], [activation], [gradOutputs])[0];      // row j·P + p: ∂z_j/∂A of probe p
        long k = activation.shape[1], w = activation.shape[2];
        var perProbe = gradient.detach().view(d, probes, k, w);
        var jacobian = perProbe.select(1, 0);                                          // (D, K, W)
        if (!Agree(perProbe, jacobian.unsqueeze(1), perProbe.abs().max())) return null;

        var a = activation.detach().narrow(0, 0, probes).reshape(probes, k * w);       // (P, K·W)
        var flatJacobian = jacobian.reshape(d, k * w);
        var linear = a.matmul(flatJacobian.t());                                       // (P, D)
        var offsets = latent.detach().narrow(0, 0, probes) - linear;
        var size = a.abs().matmul(flatJacobian.abs().t()).max() + latent.detach().abs().max();
        if (!Agree(offsets, offsets.narrow(0, 0, 1), size)) return null;
        return new AffineHeadGradCam(model, layer, mode, jacobian.contiguous().DetachFromDisposeScope(), offsets[0].contiguous().DetachFromDisposeScope());
    }

    /// <summary>
    /// The maps of x (B, C, L) towards every latent dimension, (B, L, D), in the activation's type, on x's device, without a
    /// backward pass: A from one forward pass (no graph), then Σ_k α_dk A_k, resampled to L when the layer's W differs, then <see cref="Mode"/>.
    /// </summary>
    public Tensor Maps(Tensor x)
    {
        LatentExplainer.ValidateInput(_model, x);
        using var scope = NewDisposeScope();
        var (_, activation) = Forward(x);
        return MapsOf(activation).MoveToOuterDisposeScope();
    }

    private Tensor MapsOf(Tensor activation)
    {
        var maps = activation.transpose(1, 2).matmul(_alpha.t());                     // (B, W, D)
        if (maps.shape[1] != _model.Length)
        {
            long b = maps.shape[0], w = maps.shape[1], d = maps.shape[2];
            var resampled = CamExplainer.ResampleToLength(maps.permute(0, 2, 1).reshape(b * d, w), _model.Length);
            maps = resampled.view(b, d, _model.Length).permute(0, 2, 1).contiguous();
        }
        return Mode switch
        {
            CamMode.Abs => maps.abs_(),
            CamMode.Relu => maps.relu_(),
            _ => maps,
        };
    }

    /// <summary>Time steps per chunk of <see cref="SignedMapsOrNull"/> on a CPU (256 series of 200 steps: a chunk's activations stay in the caches); CUDA takes the whole dataset.</summary>
    public const int CpuChunkSteps = 51200;

    /// <summary>
    /// Signed GradCAM (N, L, D) of x (N, C, L) towards every latent dimension at <paramref name="layer"/> by the affine head (∂z/∂A
    /// once, then one forward pass per chunk of <see cref="CpuChunkSteps"/> time steps on a CPU), in the caller's dispose scope; null
    /// when the probes find the head not affine or a chunk does not confirm z = J·A + c (then <see cref="GradCam"/> takes its general path).
    /// </summary>
    internal static Tensor? SignedMapsOrNull(ILatentEncoder model, Tensor x, string layer)
    {
        LatentExplainer.ValidateInput(model, x);
        using var affine = TryCreate(model, layer, CamMode.Signed);
        if (affine is null) return null;
        long n = x.shape[0], chunk = x.device.type == DeviceType.CUDA ? n : Math.Max(1, CpuChunkSteps / model.Length);
        using var scope = NewDisposeScope();
        var result = empty(n, model.Length, model.LatentDim, dtype: x.dtype, device: x.device);
        for (long first = 0; first < n; first += chunk)
        {
            using var chunkScope = NewDisposeScope();
            long count = Math.Min(chunk, n - first);
            var (maps, residual) = affine.MapsChecked(x.narrow(0, first, count));
            if (residual > Tolerance) return null;
            result.narrow(0, first, count).copy_(maps);
        }
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="Maps"/> of x and, from the same forward pass, how far its posterior means are from the affine model (as
    /// <see cref="EncodeChecked"/>): above <see cref="Tolerance"/> the maps must come from the general path.
    /// </summary>
    public (Tensor Maps, double Residual) MapsChecked(Tensor x)
    {
        LatentExplainer.ValidateInput(_model, x);
        using var scope = NewDisposeScope();
        var (latent, activation) = Forward(x);
        double residual = Residual(latent, activation);
        return (MapsOf(activation).MoveToOuterDisposeScope(), residual);
    }

    /// <summary>
    /// Posterior means (B, D) of x (B, C, L), without a graph, and how far they are from the affine model: max |z − (J·A + c)| over
    /// the batch divided by a bound on the size of the terms (max_b Σ|A_b| · max |J| + max |z|). Above <see cref="Tolerance"/> the head is not affine on
    /// this data and the maps must come from the general path.
    /// </summary>
    public (Tensor Latents, double Residual) EncodeChecked(Tensor x)
    {
        LatentExplainer.ValidateInput(_model, x);
        using var scope = NewDisposeScope();
        var (latent, activation) = Forward(x);
        return (latent.MoveToOuterDisposeScope(), Residual(latent, activation));
    }

    private double Residual(Tensor latent, Tensor activation)
    {
        using var scope = NewDisposeScope();
        long b = activation.shape[0];
        var a = activation.reshape(b, -1);
        var flatJacobian = _jacobian.reshape(_jacobian.shape[0], -1);
        var residual = (latent - a.matmul(flatJacobian.t()) - _offset).abs().max();
        var size = a.abs().sum(1).max() * flatJacobian.abs().max() + latent.abs().max();
        return residual.to(ScalarType.Float64).item<double>() / Math.Max(size.to(ScalarType.Float64).item<double>(), double.Epsilon);
    }

    /// <summary>Frees the Jacobian, offset and weights.</summary>
    public void Dispose()
    {
        _jacobian.Dispose();
        _offset.Dispose();
        _alpha.Dispose();
    }

    private (Tensor Latent, Tensor Activation) Forward(Tensor x)
    {
        using var noGrad = no_grad();
        using var mode = ModelModeGuard.Eval(_model.Root);
        using var recorder = new LayerActivations(_model.Root, [Layer]);
        var latent = _model.PosteriorMean(x);
        return (latent, recorder.Take()[0]);
    }

    private static bool Agree(Tensor values, Tensor reference, Tensor size)
    {
        double scale = size.to(ScalarType.Float64).item<double>();
        double difference = (values - reference).abs().max().to(ScalarType.Float64).item<double>();
        return difference <= Tolerance * Math.Max(scale, double.Epsilon);
    }
}
