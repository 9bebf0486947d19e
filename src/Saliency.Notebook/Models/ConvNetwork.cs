using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>
/// The original <c>CN</c> (core/networks.py): Conv1d('same', here <see cref="ChannelsLastConv1d"/>) → ReLU → [Dropout] → … → Conv1d, no activation after
/// the last conv. Its child <c>layers</c> reproduces PyTorch's naming of an <c>nn.Sequential</c> that holds ONE shared
/// ReLU instance: with h_dims [16,16,16] and dropout &gt; 0 the modules are <c>layers.{0,3,6}</c> (convs),
/// <c>layers.1</c> (the ReLU, listed once) and <c>layers.{2,5}</c> (Dropout); <c>layers.4</c> does not exist.
/// </summary>
public sealed class ConvNetwork : nn.Module<Tensor, Tensor>
{
    private readonly LayerSequence layers;

    /// <summary>Builds the conv stack from C input channels through <paramref name="hiddenDims"/>.</summary>
    public ConvNetwork(int inputChannels, IReadOnlyList<int> hiddenDims, int kernelSize, double dropout) : base("CN")
    {
        // The original ReLU is inplace; this one is not, so a hook on a conv sees the conv's own output
        // (in PyTorch a hook on layers.0/3 would see it overwritten by the ReLU). The GradCAM target layers.6 is unaffected.
        var relu = nn.ReLU();
        var steps = new List<nn.Module<Tensor, Tensor>>();
        int inChannels = inputChannels;
        for (int i = 0; i < hiddenDims.Count; i++)
        {
            if (i > 0)
            {
                steps.Add(relu);
                if (dropout > 0) steps.Add(nn.Dropout(dropout));
            }
            steps.Add(new ChannelsLastConv1d(inChannels, hiddenDims[i], kernelSize, padding: (kernelSize - 1) / 2));
            inChannels = hiddenDims[i];
        }
        layers = new LayerSequence(steps);
        RegisterComponents();
    }

    /// <summary>The convolutions in order (for the complex-step pass and inspection).</summary>
    public IReadOnlyList<ChannelsLastConv1d> Convolutions => layers.Steps.OfType<ChannelsLastConv1d>().ToList();

    /// <summary>Runs each layer through <c>call</c>, so forward hooks on <c>layers.N</c> fire.</summary>
    public override Tensor forward(Tensor input) => layers.call(input);

    /// <summary>
    /// The same network on a complex input given as its real and imaginary parts (float64), with the real weights
    /// promoted to float64: every conv acts on both parts (it is linear with real weights), ReLU keeps the entries whose
    /// real part is positive (its complex-step extension) and Dropout is the identity as in eval mode.
    /// </summary>
    internal (Tensor Real, Tensor Imaginary) ForwardComplex(Tensor real, Tensor imaginary)
    {
        foreach (var step in layers.Steps)
        {
            switch (step)
            {
                case ChannelsLastConv1d conv:
                    var weight = conv.Weight.to(ScalarType.Float64);
                    real = nn.functional.conv1d(real, weight, conv.Bias.to(ScalarType.Float64), padding: conv.Padding);
                    imaginary = nn.functional.conv1d(imaginary, weight, padding: conv.Padding);
                    break;
                case ReLU:
                    var keep = real.gt(0).to(ScalarType.Float64);
                    real = real * keep;
                    imaginary = imaginary * keep;
                    break;
                case Dropout:
                    break;
                default:
                    throw new InvalidOperationException($"No complex-step rule for {step.GetType().Name}.");
            }
        }
        return (real, imaginary);
    }

    /// <summary>How far an input time step reaches through the stack: the sum of the convs' paddings ((k − 1)/2 each).</summary>
    internal long Reach => Convolutions.Sum(conv => conv.Padding);

    /// <summary>
    /// The real part of <see cref="ForwardComplex"/> for x (B, C, L) float64, reduced to what the imaginary part needs from it:
    /// the masks (real &gt; 0, float64, (B, H, L)) of its ReLUs in order.
    /// </summary>
    internal IReadOnlyList<Tensor> ReluMasks(Tensor real)
    {
        var masks = new List<Tensor>();
        int reluCount = layers.Steps.OfType<ReLU>().Count();
        foreach (var step in layers.Steps)
        {
            switch (step)
            {
                case ChannelsLastConv1d conv:
                    if (masks.Count == reluCount) return masks;                                               // the convs after the last ReLU need no real part
                    real = nn.functional.conv1d(real, conv.Weight.to(ScalarType.Float64), conv.Bias.to(ScalarType.Float64), padding: conv.Padding);
                    break;
                case ReLU:
                    var keep = real.gt(0).to(ScalarType.Float64);
                    masks.Add(keep);
                    real = real * keep;
                    break;
                case Dropout:
                    break;
                default:
                    throw new InvalidOperationException($"No complex-step rule for {step.GetType().Name}.");
            }
        }
        return masks;
    }

    /// <summary>
    /// The imaginary part of <see cref="ForwardComplex"/> on windows, up to the output of the last ReLU (the layers after it are
    /// linear; the caller folds them into its head with <see cref="TailAdjoint"/>): <paramref name="imaginary"/> (P, C, W) holds P
    /// input perturbations, each cropped to the W time steps from <paramref name="starts"/>[p] on, shared by the
    /// <paramref name="samples"/> B samples whose ReLU masks <paramref name="masks"/> (from <see cref="ReluMasks"/>) are cropped alike.
    /// Exact when every layer's imaginary part is zero outside its window or outside [0, L) (the conv's zero padding lies there);
    /// returns (P·B, H, W), row p·B + b.
    /// </summary>
    internal Tensor ImaginaryAtLastReluOnWindows(Tensor imaginary, long samples, IReadOnlyList<Tensor> masks, Tensor starts)
    {
        long perturbations = imaginary.shape[0], window = imaginary.shape[2];
        bool perSample = false;                                                                           // rows still (P, H, W), shared by all samples
        int relu = 0;
        foreach (var step in layers.Steps)
        {
            if (relu == masks.Count) break;                                                               // past the last ReLU: the linear tail
            switch (step)
            {
                case ChannelsLastConv1d conv:
                    imaginary = nn.functional.conv1d(imaginary, conv.Weight.to(ScalarType.Float64), padding: conv.Padding);
                    break;
                case ReLU:
                    var keep = masks[relu++].unfold(2, window, 1).index_select(2, starts).permute(2, 0, 1, 3);   // (P, B, H, W)
                    imaginary = (perSample ? imaginary.view(perturbations, samples, -1, window) : imaginary.unsqueeze(1)).mul(keep)
                        .reshape(perturbations * samples, -1, window);
                    perSample = true;
                    break;
                case Dropout:
                    break;
                default:
                    throw new InvalidOperationException($"No complex-step rule for {step.GetType().Name}.");
            }
        }
        return perSample ? imaginary : imaginary.unsqueeze(1).expand(-1, samples, -1, -1).reshape(perturbations * samples, -1, window);
    }

    /// <summary>
    /// The adjoint of the layers after the last ReLU (convs without their bias, and Dropout as in eval mode), which are linear:
    /// for <paramref name="outputGradient"/> (D, H_out, L) float64, the gradient of each of its D rows with respect to the last
    /// ReLU's output, (D, H, L), by transposed convolutions (the adjoint of a 'same' conv1d of stride 1).
    /// </summary>
    internal Tensor TailAdjoint(Tensor outputGradient)
    {
        var gradient = outputGradient;
        for (int i = layers.Steps.Count - 1; i >= 0 && !(layers.Steps[i] is ReLU); i--)
        {
            switch (layers.Steps[i])
            {
                case ChannelsLastConv1d conv:
                    gradient = nn.functional.conv_transpose1d(gradient, conv.Weight.to(ScalarType.Float64), padding: conv.Padding);
                    break;
                case Dropout:
                    break;
                default:
                    throw new InvalidOperationException($"No complex-step rule for {layers.Steps[i].GetType().Name}.");
            }
        }
        return gradient;
    }

    /// <summary>
    /// An ordered list of layers that registers each distinct module once under the index of its first
    /// occurrence (PyTorch's named_modules de-duplication) and runs every step with <c>call</c>.
    /// Intermediates are not disposed, so a hook may keep an activation without aliasing it.
    /// </summary>
    private sealed class LayerSequence : nn.Module<Tensor, Tensor>
    {
        public IReadOnlyList<nn.Module<Tensor, Tensor>> Steps { get; }

        public LayerSequence(IReadOnlyList<nn.Module<Tensor, Tensor>> steps) : base("Sequential")
        {
            Steps = steps;
            var registered = new HashSet<nn.Module>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < steps.Count; i++)
                if (registered.Add(steps[i])) register_module(i.ToString(), steps[i]);
        }

        public override Tensor forward(Tensor input)
        {
            Tensor h = input;
            foreach (var step in Steps) h = step.call(h);
            return h;
        }
    }
}
