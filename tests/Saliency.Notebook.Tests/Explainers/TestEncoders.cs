using Saliency.Notebook.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Explainers;

/// <summary>
/// A small encoder for explainer tests: a Sequential <c>encoder</c> of Conv1d('same')/ReLU/Dropout/AvgPool1d/Flatten
/// followed by a Linear <c>head</c>, so layer names look like the CVAE's (<c>encoder.0</c>, …). It also evaluates
/// itself in complex128 (ReLU by the sign of the real part) for complex-step tests.
/// </summary>
internal sealed class TestEncoder : nn.Module<Tensor, Tensor>, IComplexStepEncoder
{
    private readonly Sequential encoder;
    private readonly Linear head;
    private readonly int _poolSize;

    public TestEncoder(Sequential encoder, Linear head, int channels, int length, int latentDim, int poolSize = 1) : base(nameof(TestEncoder))
    {
        this.encoder = encoder;
        this.head = head;
        _poolSize = poolSize;
        Channels = channels;
        Length = length;
        LatentDim = latentDim;
        RegisterComponents();
    }

    public int Channels { get; }
    public int Length { get; }
    public int LatentDim { get; }
    public nn.Module Root => this;

    public override Tensor forward(Tensor x) => head.call(encoder.call(x));

    public Tensor PosteriorMean(Tensor x) => call(x);

    /// <remarks>
    /// Real weights act on the real and imaginary parts separately: libtorch's complex conv1d uses Gauss's
    /// three-multiplication trick, whose (a + b) sums round a 1e−20 imaginary part away.
    /// </remarks>
    public Tensor PosteriorMeanComplex(Tensor x)
    {
        var re = torch.real(x);
        var im = torch.imag(x);
        foreach (var (_, module) in encoder.named_children())
        {
            switch (module)
            {
                case Conv1d conv:
                    re = nn.functional.conv1d_padding(re, conv.weight!, conv.bias!, padding: Padding.Same);
                    im = nn.functional.conv1d_padding(im, conv.weight!, null, padding: Padding.Same);
                    break;
                case ReLU:
                    var keep = re.gt(0).to(re.dtype);
                    (re, im) = (re * keep, im * keep);
                    break;
                case Dropout:
                    break;
                case AvgPool1d:
                    (re, im) = (Pool(re), Pool(im));
                    break;
                case Flatten:
                    (re, im) = (re.flatten(1), im.flatten(1));
                    break;
                default:
                    throw new NotSupportedException(module.GetType().Name);
            }
        }
        return torch.complex(nn.functional.linear(re, head.weight!, head.bias!), nn.functional.linear(im, head.weight!));
    }

    private Tensor Pool(Tensor h) => h.view(h.shape[0], h.shape[1], h.shape[2] / _poolSize, _poolSize).mean(new long[] { 3 });

    /// <summary>
    /// Random conv encoder: Conv1d(C→4,k3) ReLU Conv1d(4→3,k3) [Dropout] AvgPool1d(pool) Flatten, Linear(3·L/pool → D).
    /// Layers: encoder.0 conv, encoder.1 ReLU, encoder.2 conv, (encoder.3 Dropout,) then pool and flatten.
    /// Float64 by default: libtorch 2.10's float32 CPU kernel for the input gradient of such tiny convolutions
    /// (kernel 3, ≤ 4 output channels, batch ≥ 2) returns wrong values on this machine (checked against float64),
    /// which would hide the explainers' own errors. The CVAE's convolutions (kernel 17, 16 channels) are not affected.
    /// </summary>
    public static TestEncoder RandomConv(int channels, int length, int latentDim, int pool = 2, ScalarType dtype = ScalarType.Float64, long seed = 7, bool dropout = false)
    {
        torch.manual_seed(seed);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("0", nn.Conv1d(channels, 4, 3, padding: Padding.Same)),
            ("1", nn.ReLU()),
            ("2", nn.Conv1d(4, 3, 3, padding: Padding.Same)),
        };
        if (dropout) layers.Add(("3", nn.Dropout(0.5)));
        layers.Add(((layers.Count).ToString(), nn.AvgPool1d(pool)));
        layers.Add(((layers.Count).ToString(), nn.Flatten()));
        var model = new TestEncoder(nn.Sequential(layers), nn.Linear(3 * length / pool, latentDim), channels, length, latentDim, pool);
        model.to(dtype);
        return model;
    }

    /// <summary>
    /// The hand-set network of the exact tests: C=1, L=4, D=2. <c>encoder.0</c> = pointwise Conv1d(1→2) with weights
    /// (1, −1) and biases (0, 0.5), optionally <c>encoder.1</c> = ReLU, then Flatten and the head
    /// H = [[1,1,1,1, 0,0,0,0], [2,0,0,0, 0,0,0,−4]] (inputs ordered channel-major: k·4 + t), bias 0.
    /// </summary>
    public static TestEncoder HandSet(bool reluAfterConv)
    {
        var conv = nn.Conv1d(1, 2, 1);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)> { ("0", conv) };
        if (reluAfterConv) layers.Add(("1", nn.ReLU()));
        layers.Add((layers.Count.ToString(), nn.Flatten()));
        var head = nn.Linear(8, 2);
        using (torch.no_grad())
        using (torch.NewDisposeScope())   // the weights' temporaries: never left to the garbage collector mid-call
        {
            conv.weight!.copy_(torch.tensor(new float[] { 1, -1 }).view(2, 1, 1));
            conv.bias!.copy_(torch.tensor(new float[] { 0, 0.5f }));
            head.weight!.copy_(torch.tensor(new float[] { 1, 1, 1, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, -4 }).view(2, 8));
            head.bias!.zero_();
        }
        return new TestEncoder(nn.Sequential(layers), head, 1, 4, 2);
    }

    /// <summary>A linear encoder z = W·flatten(x) + b (no layers but the head): ∂z/∂x is W itself.</summary>
    public static TestEncoder Linear(float[,] weight, float[] bias, int channels, int length)
    {
        var head = nn.Linear(channels * length, weight.GetLength(0));
        using (torch.no_grad())
        using (torch.NewDisposeScope())
        {
            var flat = new float[weight.Length];
            Buffer.BlockCopy(weight, 0, flat, 0, flat.Length * sizeof(float));
            head.weight!.copy_(torch.tensor(flat).view(weight.GetLength(0), channels * length));
            head.bias!.copy_(torch.tensor(bias));
        }
        return new TestEncoder(nn.Sequential(("0", nn.Flatten())), head, channels, length, weight.GetLength(0));
    }
}
