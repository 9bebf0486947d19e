using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Explainers;

public class LifetimeTests
{
    [Fact]
    public void ThousandExplainCalls_LeaveNoTensorsBehind()
    {
        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 3);
        var x = torch.randn(2, 2, 8, dtype: ScalarType.Float64);
        LatentExplainer[] explainers =
        {
            new GradCam(model, "encoder.2"),
            new GradCam(model, "encoder.2") { TryAffineHead = false },
            new GradSlam(model, ["encoder.0", "encoder.2"]),
            new VanillaGradient(model),
            new GradientTimesInput(model),
            new GuidedBackprop(model),
            new IntegratedGradients(model, steps: 4),
            new FourierIntegratedGradients(model, steps: 4),
            new ComplexStepAttribution(model),
        };
        void RunAll(int rounds)
        {
            for (int call = 0; call < rounds; call++)
            {
                using var result = explainers[call % explainers.Length].Attribute(x, LatentTarget.AllDimensions, batchSize: 5);
            }
        }

        RunAll(explainers.Length);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        RunAll(1000);
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after <= before, $"live tensors on this thread went from {before} to {after} over 1,000 explain calls");
    }

    [Fact]
    public void IntegratedGradientsWithASharedBaseline_HoldNoTensorOnceTheCallerDisposesItsOwn()
    {
        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 3);
        using var x = torch.randn(2, 2, 8, dtype: ScalarType.Float64);
        void Round()
        {
            using var baseline = torch.full(2, 8, 0.25, dtype: ScalarType.Float64);
            using var result = new IntegratedGradients(model, steps: 4, baseline: baseline).Attribute(x, LatentTarget.AllDimensions, batchSize: 5);
        }
        Round();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 500; i++) Round();
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after <= before, $"live tensors on this thread went from {before} to {after} over 500 explainers with a baseline");
    }

    public static TheoryData<string> ManyPassExplainers => new() { "gradcam", "integrated-gradients", "complex-step" };

    [Theory]
    [MemberData(nameof(ManyPassExplainers))]
    public void APassFreesItsTensorsBeforeTheNextStarts(string method)
    {
        // batchSize 1: one sample (GradCAM, 8 samples: 8 passes), one IG step (16) or one perturbed position (16) per pass. The
        // encoder notes the thread's live tensors on every call. A pass may keep its result (one tensor a sample, IG's summed
        // gradients), but no pass may keep its rows and graph once the next starts: that costs at least 17 (gradcam),
        // 47 (IG) and 32 (complex step) tensors a pass, more than 64 over the run.
        var model = new LiveCountingEncoder(TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 8));
        using var x = torch.randn(method == "gradcam" ? 8 : 1, 2, 8, dtype: ScalarType.Float64);
        LatentExplainer explainer = method switch
        {
            "gradcam" => new GradCam(model, "encoder.2") { TryAffineHead = false },
            "integrated-gradients" => new IntegratedGradients(model, steps: 16),
            _ => new ComplexStepAttribution(model),
        };

        using (var result = explainer.Attribute(x, LatentTarget.AllDimensions, batchSize: 1)) { }

        var counts = model.LiveCounts;
        Assert.True(counts.Count >= 8, $"{counts.Count} encoder calls");
        Assert.True(counts.Max() - counts[0] <= 64, $"{method}: live tensors rose by {counts.Max() - counts[0]} ({string.Join(", ", counts)})");
    }

    /// <summary>Delegates to a <see cref="TestEncoder"/> and notes the thread's live tensors each time it is called.</summary>
    private sealed class LiveCountingEncoder(TestEncoder inner) : IComplexStepEncoder
    {
        public List<long> LiveCounts { get; } = [];
        public int Channels => inner.Channels;
        public int Length => inner.Length;
        public int LatentDim => inner.LatentDim;
        public nn.Module Root => inner;

        public Tensor PosteriorMean(Tensor x)
        {
            LiveCounts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            return inner.PosteriorMean(x);
        }

        public Tensor PosteriorMeanComplex(Tensor x)
        {
            LiveCounts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            return inner.PosteriorMeanComplex(x);
        }
    }
}
