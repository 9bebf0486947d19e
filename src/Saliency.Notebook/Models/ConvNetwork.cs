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
