using Saliency.Notebook.Models;
using Saliency.Notebook.SanityChecks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.SanityChecks;

/// <summary>
/// Hand-built float64 encoders whose right saliency answer is known. Inputs are cast to float64 (the data are float32), so
/// the tiny convolutions avoid libtorch 2.10's wrong float32 CPU input-gradient kernel noted in the explainer tests.
/// </summary>
internal sealed class SyntheticEncoder : nn.Module<Tensor, Tensor>, ILatentEncoder
{
    private readonly Sequential encoder;
    private readonly Linear head;
    private readonly Tensor? inputMask;
    private readonly bool globalPool;

    private SyntheticEncoder(Sequential encoder, Linear head, Tensor? inputMask, bool globalPool, int channels, int length) : base(nameof(SyntheticEncoder))
    {
        this.encoder = encoder;
        this.head = head;
        this.inputMask = inputMask;
        this.globalPool = globalPool;
        Channels = channels;
        Length = length;
        LatentDim = (int)head.weight!.shape[0];
        RegisterComponents();
        this.to(ScalarType.Float64);
        eval();
    }

    public int Channels { get; }
    public int Length { get; }
    public int LatentDim { get; }
    public nn.Module Root => this;

    public Tensor PosteriorMean(Tensor x) => call(x.to(ScalarType.Float64));

    public override Tensor forward(Tensor x)
    {
        var input = inputMask is null ? x : x * inputMask.to(x.device);
        var features = encoder.call(input);
        return head.call(globalPool ? features.mean(new long[] { 2 }) : features.flatten(1));
    }

    /// <summary>
    /// The planted-segment encoder: x is multiplied by a 0/1 mask that is 1 only on steps [start, end), then
    /// <c>encoder.0</c> = pointwise Conv1d(2→2, no bias, positive weights) and a Linear head on the flattened features with
    /// positive weights on the segment only. The latent depends on the segment alone, and so does |GradCAM| at encoder.0.
    /// </summary>
    public static SyntheticEncoder PlantedSegment(int length, int start, int end)
    {
        var conv = nn.Conv1d(2, 2, 1, bias: false);
        var head = nn.Linear(2 * length, 2);
        var mask = torch.zeros(1, 1, length, dtype: ScalarType.Float64);
        using (torch.no_grad())
        using (torch.NewDisposeScope())   // the weights and the temporaries of the assignments below
        {
            var weights = torch.zeros(2, 2 * length);
            mask.narrow(2, start, end - start).fill_(1);
            conv.weight!.copy_(torch.tensor(new float[] { 1, 0.5f, 0.2f, 1 }).view(2, 2, 1));
            for (int t = start; t < end; t++)
            {
                weights[0, t] = 1; weights[0, length + t] = 1;
                weights[1, t] = 1; weights[1, length + t] = 0.3;
            }
            head.weight!.copy_(weights);
            head.bias!.zero_();
        }
        return new SyntheticEncoder(nn.Sequential(("0", conv)), head, mask, globalPool: false, 2, length);
    }

    /// <summary>
    /// A translation-equivariant encoder: Conv1d(C→4, k5, same) ReLU Conv1d(4→4, k5, same), a global mean over time and a
    /// Linear head. Its activations shift with the input away from the edges and its GradCAM weights do not change under a shift.
    /// </summary>
    public static SyntheticEncoder ShiftEquivariant(int channels, int length, int latentDim, long seed)
    {
        var encoder = nn.Sequential(("0", nn.Conv1d(channels, 4, 5, padding: 2)), ("1", nn.ReLU()), ("2", nn.Conv1d(4, 4, 5, padding: 2)));
        return Seeded(new SyntheticEncoder(encoder, nn.Linear(4, latentDim), null, globalPool: true, channels, length), seed);
    }

    /// <summary>A random small conv encoder (Conv1d k5 → ReLU → Conv1d k5 → flatten → Linear): for randomisation tests.</summary>
    public static SyntheticEncoder RandomConv(int channels, int length, int latentDim, long seed)
    {
        var encoder = nn.Sequential(("0", nn.Conv1d(channels, 4, 5, padding: 2)), ("1", nn.ReLU()), ("2", nn.Conv1d(4, 4, 5, padding: 2)));
        return Seeded(new SyntheticEncoder(encoder, nn.Linear(4 * length, latentDim), null, globalPool: false, channels, length), seed);
    }

    /// <summary>
    /// Re-draws every layer with PyTorch's default init from its own generator: tests run in parallel and share the global
    /// torch RNG, so a manual_seed before construction would not make the weights repeatable.
    /// </summary>
    private static SyntheticEncoder Seeded(SyntheticEncoder model, long seed)
    {
        using var generator = new Generator((ulong)seed);
        foreach (var (_, module) in model.named_modules())
            if (module is Conv1d or Linear) RandomisationCheck.PyTorchDefaultInit(module, generator);
        return model;
    }
}

/// <summary>Synthetic data sets for the sanity-check tests.</summary>
internal static class SyntheticData
{
    /// <summary>N samples (N, 2, L) uniform in [0.5, 1], labelled alternately "a" and "b", under dataset name <paramref name="name"/>.</summary>
    public static SanityData Uniform(int n, int length, long seed, string name = "symbols")
    {
        using var generator = new Generator((ulong)seed);
        using var scope = torch.NewDisposeScope();
        var x = (torch.rand(new long[] { n, 2, length }, generator: generator) * 0.5 + 0.5).MoveToOuterDisposeScope();
        return new SanityData(x, Enumerable.Range(0, n).Select(i => i % 2 == 0 ? "a" : "b").ToArray(), name);
    }
}
