using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Explainers;

public class InputAttributionTests
{
    // Linear encoder, C = 2, L = 3, D = 2: z = W·flatten(x) + b with flatten index c·3 + t, so ∂z_i/∂x[c,t] = W[i, 3c + t].
    private static readonly float[,] LinearWeight = { { 1, -2, 0.5f, 3, 0, -1 }, { 0, 4, -3, 1, 2, 0.25f } };
    private static TestEncoder LinearModel() => TestEncoder.Linear(LinearWeight, new[] { 0.5f, -1 }, channels: 2, length: 3);
    private static Tensor LinearInput() => torch.tensor(new float[] { 1, 2, -1, 0.5f, -2, 3, 2, 0, 1, -1, 1, 1 }).view(2, 2, 3);

    [Fact]
    public void VanillaGradient_OfALinearEncoder_IsItsWeightMatrix()
    {
        using var scope = torch.NewDisposeScope();
        using var result = new VanillaGradient(LinearModel()).Attribute(LinearInput(), LatentTarget.AllDimensions);
        Assert.Equal(new long[] { 2, 3, 2, 2 }, result.Values.shape);
        Assert.Equal("N,L,C,T", result.Layout);
        for (int n = 0; n < 2; n++)
            for (int t = 0; t < 3; t++)
                for (int c = 0; c < 2; c++)
                    for (int i = 0; i < 2; i++)
                        Assert.Equal(LinearWeight[i, 3 * c + t], result.Values[n, t, c, i].item<float>(), 6);
    }

    [Fact]
    public void GradientTimesInput_AndIntegratedGradients_OfALinearEncoder_AreInputTimesWeight()
    {
        using var scope = torch.NewDisposeScope();
        var x = LinearInput();
        using var gxi = new GradientTimesInput(LinearModel()).Attribute(x, LatentTarget.AllDimensions);
        using var ig = new IntegratedGradients(LinearModel(), steps: 3).Attribute(x, LatentTarget.AllDimensions);
        var shared = torch.tensor(new float[] { 0.5f, 0.5f, 0.5f, -1, -1, -1 }).view(2, 3);
        using var igShared = new IntegratedGradients(LinearModel(), steps: 2, baseline: shared).Attribute(x, LatentTarget.Dimension(1));
        for (int n = 0; n < 2; n++)
            for (int t = 0; t < 3; t++)
                for (int c = 0; c < 2; c++)
                {
                    float value = x[n, c, t].item<float>();
                    for (int i = 0; i < 2; i++)
                    {
                        Assert.Equal(value * LinearWeight[i, 3 * c + t], gxi.Values[n, t, c, i].item<float>(), 5);
                        Assert.Equal(value * LinearWeight[i, 3 * c + t], ig.Values[n, t, c, i].item<float>(), 5);
                    }
                    float start = c == 0 ? 0.5f : -1;
                    Assert.Equal((value - start) * LinearWeight[1, 3 * c + t], igShared.Values[n, t, c, 0].item<float>(), 5);
                }
        Assert.True(ig.CompletenessError!.abs().max().item<float>() < 1e-5);
        Assert.Equal(new long[] { 2, 2 }, ig.CompletenessError.shape);
    }

    [Fact]
    public void GuidedBackprop_AppliesTheGuidedReluRule_AndRemovesItsHooks()
    {
        // Hand-set net with ReLU, sample x = (1,−2,3,0.5), target z0 − z1. ReLU outputs R0 = (1,0,3,0.5), R1 = (0,2.5,0,0);
        // ∂(z0−z1)/∂R = (−1,1,1,1 | 0,0,0,4). Plain backward masks by R>0: ch0 (−1,0,1,1), ch1 0, so ∂/∂x = ch0 − ch1
        // = (−1,0,1,1). Guided also clamps negatives: ch0 (0,0,1,1), ch1 0 → (0,0,1,1).
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.HandSet(reluAfterConv: true);
        var x = torch.tensor(new float[] { 1, -2, 3, 0.5f }).view(1, 1, 4);
        var target = LatentTarget.Direction(1, -1);
        using var guided = new GuidedBackprop(model).Attribute(x, target);
        using var vanilla = new VanillaGradient(model).Attribute(x, target);
        float[] guidedExpected = { 0, 0, 1, 1 }, vanillaExpected = { -1, 0, 1, 1 };
        for (int t = 0; t < 4; t++)
        {
            Assert.Equal(guidedExpected[t], guided.Values[0, t, 0, 0].item<float>(), 6);
            Assert.Equal(vanillaExpected[t], vanilla.Values[0, t, 0, 0].item<float>(), 6);
        }
        var plainAgain = model.PosteriorMean(x);
        Assert.Equal(new long[] { 1, 2 }, plainAgain.shape);
        Assert.Throws<ArgumentException>(() => new GuidedBackprop(LinearModel()).Attribute(LinearInput(), LatentTarget.AllDimensions));
    }

    [Fact]
    public void GuidedBackprop_EqualsTheRuleAppliedByHand_OnARandomConvEncoder()
    {
        // encoder.0 conv → ReLU → encoder.2 conv → pool → head: guided ∂/∂x = conv0ᵀ((A>0)·max(conv2ᵀ(∂z/∂(conv2 out)), 0)).
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 3);
        torch.manual_seed(21);
        var x = torch.randn(2, 2, 8, dtype: ScalarType.Float64);
        using var guided = new GuidedBackprop(model).Attribute(x, LatentTarget.AllDimensions);
        var modules = model.named_modules().ToDictionary(m => m.Item1, m => m.Item2);
        var conv0 = (TorchSharp.Modules.Conv1d)modules["encoder.0"];
        var conv2 = (TorchSharp.Modules.Conv1d)modules["encoder.2"];
        var head = (TorchSharp.Modules.Linear)modules["head"];
        var pre = conv0.call(x).detach();
        var relu = pre.relu().requires_grad_(true);
        var z = head.call(nn.functional.avg_pool1d(conv2.call(relu), 2).flatten(1));
        for (int i = 0; i < 3; i++)
        {
            var gradRelu = torch.autograd.grad(new[] { z[TensorIndex.Colon, i].sum() }, new[] { relu }, retain_graph: true)[0];
            var guidedPre = (pre > 0).to(ScalarType.Float64) * gradRelu.clamp_min(0);
            var xLeaf = x.detach().requires_grad_(true);
            var expected = torch.autograd.grad(new[] { conv0.call(xLeaf) }, new[] { xLeaf }, new[] { guidedPre })[0]; // (B, C, L)
            Assert.True((guided.Values.select(-1, i) - expected.permute(0, 2, 1)).abs().max().item<double>() < 1e-12);
        }
    }

    [Fact]
    public void ComplexStep_MatchesReverseModeAutograd()
    {
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 4);
        torch.manual_seed(22);
        var x = torch.randn(3, 2, 8, dtype: ScalarType.Float64);
        using var autograd = new VanillaGradient(model).Attribute(x, LatentTarget.AllDimensions);
        // batchSize 7 < C·L = 16: the perturbations of one sample span several chunks of one-hot rows.
        using var perTarget = new ComplexStepAttribution(model).Attribute(x, LatentTarget.AllDimensions, batchSize: 7);
        using var oneChunk = new ComplexStepAttribution(model).Attribute(x, LatentTarget.AllDimensions);
        Assert.Equal(ScalarType.Float64, perTarget.Values.dtype);
        Assert.Equal(new long[] { 3, 8, 2, 4 }, perTarget.Values.shape);
        Assert.True((perTarget.Values - autograd.Values).abs().max().item<double>() < 1e-9);
        Assert.True(perTarget.Values.equal(oneChunk.Values).all().item<bool>());
        Assert.Throws<ArgumentException>(() => new ComplexStepAttribution(new RealOnlyEncoder(model)).Attribute(x, LatentTarget.AllDimensions));
    }

    // Completeness is judged relative to the largest |f(x) − f(baseline)|: a target whose change is near 0 would make a
    // per-target ratio meaningless.
    [Theory]
    [InlineData(4096)]
    [InlineData(5)]
    public void IntegratedGradients_IsCompleteOnAConvEncoder_AndIndependentOfBatchSize(int batchSize)
    {
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 3);
        torch.manual_seed(23);
        var x = torch.randn(3, 2, 8, dtype: ScalarType.Float64);
        var explainer = new IntegratedGradients(model, steps: 64);
        using var result = explainer.Attribute(x, LatentTarget.AllDimensions, batchSize);
        using var reference = explainer.Attribute(x, LatentTarget.AllDimensions, 4096);
        var change = model.PosteriorMean(x) - model.PosteriorMean(torch.zeros_like(x));
        double relative = result.CompletenessError!.abs().max().item<double>() / change.abs().max().item<double>();
        Assert.True(relative < 1e-2, $"relative completeness error {relative}");
        Assert.True((result.Values - reference.Values).abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void CrossDomainIg_InTheTimeDomain_EqualsPlainIg()
    {
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 3);
        torch.manual_seed(24);
        var x = torch.randn(2, 2, 8, dtype: ScalarType.Float64);
        using var plain = new IntegratedGradients(model, steps: 16, rule: IntegrationRule.RiemannMiddle).Attribute(x, LatentTarget.Dimension(2));
        using var time = new CrossDomainIntegratedGradients(model, TimeDomain.Instance, steps: 16, rule: IntegrationRule.RiemannMiddle).Attribute(x, LatentTarget.Dimension(2));
        Assert.True((plain.Values - time.Values).abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void FourierIg_OnALinearEncoder_MatchesHandComputedBins()
    {
        // L = 4, C = 1, f = w·x + 0.5 with w = (1,2,3,4), x = δ₀ → rfft = (1,1,1) real. With x_t = ¼[X0 + 2Re(X1 e^{iπt/2}) + X2(−1)^t],
        // ∂f/∂ReX0 = Σw/4 = 2.5, ∂f/∂ReX1 = (w0 − w2)/2 = −1, ∂f/∂ReX2 = (w0 − w1 + w2 − w3)/4 = −0.5; Im parts are 0.
        // Attributions (bins × Re X = 1): 2.5, −1, −0.5; sum 1 = w0 = f(x) − f(0): complete.
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.Linear(new float[,] { { 1, 2, 3, 4 } }, new[] { 0.5f }, channels: 1, length: 4);
        var x = torch.tensor(new float[] { 1, 0, 0, 0 }).view(1, 1, 4);
        using var result = new CrossDomainIntegratedGradients(model, FourierDomain.Instance, steps: 2).Attribute(x, LatentTarget.AllDimensions);
        Assert.Equal("N,F,C,T", result.Layout);
        Assert.Equal(new long[] { 1, 3, 1, 1 }, result.Values.shape);
        float[] expected = { 2.5f, -1, -0.5f };
        for (int k = 0; k < 3; k++) Assert.Equal(expected[k], result.Values[0, k, 0, 0].item<float>(), 5);
        Assert.True(result.CompletenessError!.abs().max().item<float>() < 1e-5);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(9)]
    public void FourierIg_IsCompleteOnAConvEncoder_ForEvenAndOddLengths(int length)
    {
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 2, length: length, latentDim: 3, pool: 1);
        torch.manual_seed(25);
        var x = torch.randn(3, 2, length, dtype: ScalarType.Float64);
        var baseline = torch.randn(3, 2, length, dtype: ScalarType.Float64) * 0.1;
        using var result = new CrossDomainIntegratedGradients(model, FourierDomain.Instance, steps: 64).Attribute(x, baseline, LatentTarget.AllDimensions, batchSize: 50);
        Assert.Equal(new long[] { 3, length / 2 + 1, 2, 3 }, result.Values.shape);
        var change = model.PosteriorMean(x) - model.PosteriorMean(baseline);
        double relative = result.CompletenessError!.abs().max().item<double>() / change.abs().max().item<double>();
        Assert.True(relative < 1e-2, $"relative completeness error {relative}");
    }

    [Fact]
    public void BadBaselines_AreArgumentExceptions()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Throws<ArgumentException>(() => new IntegratedGradients(LinearModel(), baseline: torch.zeros(1, 2, 3)));
        Assert.Throws<ArgumentException>(() => new IntegratedGradients(LinearModel()).Attribute(LinearInput(), torch.zeros(1, 2, 3), LatentTarget.AllDimensions));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IntegratedGradients(LinearModel(), steps: 1));
    }

    /// <summary>Wraps an encoder without exposing complex arithmetic.</summary>
    private sealed class RealOnlyEncoder(TestEncoder inner) : ILatentEncoder
    {
        public int Channels => inner.Channels;
        public int Length => inner.Length;
        public int LatentDim => inner.LatentDim;
        public nn.Module Root => inner;
        public Tensor PosteriorMean(Tensor x) => inner.PosteriorMean(x);
    }
}
