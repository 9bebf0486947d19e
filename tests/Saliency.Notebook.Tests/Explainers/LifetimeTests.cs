using Saliency.Notebook.Explainers;
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
        IExplainer[] explainers =
        {
            new GradCam("encoder.2"),
            new GradSlam(["encoder.0", "encoder.2"]),
            new VanillaGradient(),
            new GradientTimesInput(),
            new GuidedBackprop(),
            new IntegratedGradients(steps: 4),
            new CrossDomainIntegratedGradients(FourierDomain.Instance, steps: 4),
            new ComplexStepAttribution(),
        };
        void RunAll(int rounds)
        {
            for (int call = 0; call < rounds; call++)
            {
                using var result = explainers[call % explainers.Length].Explain(model, x, LatentTarget.AllDimensions, batchSize: 5);
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
            using var result = new IntegratedGradients(steps: 4, baseline: baseline).Explain(model, x, LatentTarget.AllDimensions, batchSize: 5);
        }
        Round();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 500; i++) Round();
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after <= before, $"live tensors on this thread went from {before} to {after} over 500 explainers with a baseline");
    }
}
