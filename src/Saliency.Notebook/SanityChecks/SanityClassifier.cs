using Saliency.Notebook.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Saliency.Notebook.SanityChecks;

/// <summary>
/// The small 1-D CNN the corruption check measures accuracy with: Conv1d(C→16, k5) ReLU Conv1d(16→16, k5) ReLU, mean over
/// time, Linear(16 → classes), its convs <see cref="ChannelsLastConv1d"/> (libtorch's plain conv1d gradient is wrong on some
/// shapes, see <see cref="ChannelsLastConvTranspose1d"/>). Trained seeded with Adam on cross-entropy, so the check's numbers repeat run to run.
/// </summary>
public sealed class SanityClassifier : nn.Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly Linear head;

    /// <summary>A freshly initialised classifier (from the global torch RNG).</summary>
    public SanityClassifier(int channels, int classes) : base(nameof(SanityClassifier))
    {
        features = nn.Sequential(new ChannelsLastConv1d(channels, 16, 5, 2), nn.ReLU(), new ChannelsLastConv1d(16, 16, 5, 2), nn.ReLU());
        head = nn.Linear(16, classes);
        RegisterComponents();
    }

    /// <summary>Class logits (B, classes) of x (B, C, L).</summary>
    public override Tensor forward(Tensor x) => head.call(features.call(x).mean(new long[] { 2 }));

    /// <summary>
    /// Trains on x (N, C, L) with integer labels (N) for <paramref name="epochs"/> epochs of shuffled mini-batches
    /// (Adam, lr 1e-2); initialisation and shuffling are seeded by <paramref name="seed"/>.
    /// </summary>
    public static SanityClassifier Train(Tensor x, Tensor labels, int classes, int epochs, long seed, Device device, int batchSize = 128)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(labels);
        var generator = new Generator((ulong)seed);
        var model = new SanityClassifier((int)x.shape[1], classes);
        // Drawn from the seeded generator, not the global torch RNG, which other threads may be using.
        foreach (var (_, module) in model.named_modules())
            if (module is ChannelsLastConv1d or Linear) RandomisationCheck.PyTorchDefaultInit(module, generator);
        model.to(device);
        model.train();
        using var optimizer = optim.Adam(model.parameters(), lr: 1e-2);
        using var inputs = x.to(ScalarType.Float32, device);
        using var targets = labels.to(ScalarType.Int64, device);
        long n = x.shape[0];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            using var order = randperm(n, generator: generator).to(device);
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var batch = order.narrow(0, start, Math.Min(batchSize, n - start));
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.call(inputs.index_select(0, batch)), targets.index_select(0, batch));
                loss.backward();
                optimizer.step();
            }
        }
        model.eval();
        return model;
    }

    /// <summary>Predicted classes (N) of x (N, C, L), in batches, without a graph.</summary>
    public Tensor Predict(Tensor x, Device device, int batchSize = 4096)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var noGrad = no_grad();
        var parts = new List<Tensor>();
        for (long start = 0; start < x.shape[0]; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var batch = x.narrow(0, start, Math.Min(batchSize, x.shape[0] - start)).to(ScalarType.Float32, device);
            parts.Add(call(batch).argmax(1).cpu().MoveToOuterDisposeScope());
        }
        return cat(parts, 0);
    }
}
