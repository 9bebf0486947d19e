using Saliency.Notebook.Explainers;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Explainers;

public class GradCamTests
{
    // Two samples for the hand-set net (C=1, L=4). With conv weights (1,−1), biases (0,0.5):
    // sample 0 x=(1,−2,3,0.5): A0 = x = (1,−2,3,0.5), A1 = −x+0.5 = (−0.5,2.5,−2.5,0)
    // sample 1 x=(0,1,0,−1):   A0 = (0,1,0,−1),        A1 = (0.5,−0.5,0.5,1.5)
    // Without ReLU, ∂z_i/∂A_k[t] = H[i, 4k+t], so α = mean_t: α0 = (1, 0), α1 = (0.5, −1):
    // M0 = A0; M1 = 0.5·A0 − A1.
    private static Tensor HandInput() => torch.tensor(new float[] { 1, -2, 3, 0.5f, 0, 1, 0, -1 }).view(2, 1, 4);

    private static readonly float[,,] SignedHand =
    {
        // [sample, t, target]
        { { 1, 1 }, { -2, -3.5f }, { 3, 4 }, { 0.5f, 0.25f } },
        { { 0, -0.5f }, { 1, 1 }, { 0, -0.5f }, { -1, -2 } },
    };

    [Theory]
    [InlineData(CamMode.Signed)]
    [InlineData(CamMode.Abs)]
    [InlineData(CamMode.Relu)]
    public void HandSetNetwork_GivesHandComputedMaps(CamMode mode)
    {
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.HandSet(reluAfterConv: false);
        using var result = new GradCam(model, "encoder.0", mode).Attribute(HandInput(), LatentTarget.AllDimensions);

        Assert.Equal(new long[] { 2, 4, 2 }, result.Values.shape);
        Assert.Equal("N,L,T", result.Layout);
        Assert.Equal(new[] { "z0", "z1" }, result.TargetNames);
        for (int n = 0; n < 2; n++)
            for (int t = 0; t < 4; t++)
                for (int i = 0; i < 2; i++)
                {
                    float signed = SignedHand[n, t, i];
                    float expected = mode switch { CamMode.Abs => Math.Abs(signed), CamMode.Relu => Math.Max(signed, 0), _ => signed };
                    Assert.Equal(expected, result.Values[n, t, i].item<float>(), 6);
                }
    }

    [Fact]
    public void HandSetNetwork_WithReluAfterHookedConv_GatesGradients()
    {
        // ReLU after encoder.0 masks ∂z/∂A by A>0. Sample 0: mask A0 (1,0,1,1), A1 (0,1,0,0):
        // α0 = (mean(1,0,1,1), 0) = (0.75, 0) → M0 = 0.75·A0 = (0.75, −1.5, 2.25, 0.375);
        // α1 = (mean(2,0,0,0), mean(0,0,0,−4·0)) = (0.5, 0) → M1 = 0.5·A0 = (0.5, −1, 1.5, 0.25).
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.HandSet(reluAfterConv: true);
        using var result = new GradCam(model, "encoder.0", CamMode.Signed).Attribute(HandInput().narrow(0, 0, 1), LatentTarget.AllDimensions);
        float[] m0 = { 0.75f, -1.5f, 2.25f, 0.375f }, m1 = { 0.5f, -1, 1.5f, 0.25f };
        for (int t = 0; t < 4; t++)
        {
            Assert.Equal(m0[t], result.Values[0, t, 0].item<float>(), 6);
            Assert.Equal(m1[t], result.Values[0, t, 1].item<float>(), 6);
        }
    }

    [Fact]
    public void SingleDimensionAndDirection_OnHandSetNetwork()
    {
        // Direction v = (2, −1): M_v = 2·M0 − M1 (signed). Sample 0: (2−1, −4+3.5, 6−4, 1−0.25) = (1, −0.5, 2, 0.75).
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.HandSet(reluAfterConv: false);
        var camera = new GradCam(model, "encoder.0", CamMode.Signed);
        using var dim1 = camera.Attribute(HandInput(), LatentTarget.Dimension(1));
        using var direction = camera.Attribute(HandInput(), LatentTarget.Direction(2, -1));
        Assert.Equal(new long[] { 2, 4, 1 }, dim1.Values.shape);
        Assert.Equal(new[] { "z1" }, dim1.TargetNames);
        float[] expected = { 1, -0.5f, 2, 0.75f };
        for (int t = 0; t < 4; t++)
        {
            Assert.Equal(SignedHand[0, t, 1], dim1.Values[0, t, 0].item<float>(), 6);
            Assert.Equal(expected[t], direction.Values[0, t, 0].item<float>(), 6);
        }
    }

    [Theory]
    [InlineData("encoder.2", 1024)]
    [InlineData("encoder.2", 3)]
    [InlineData("encoder.0", 7)]
    public void BatchedAllDimensions_EqualsNaivePerSamplePerDimensionLoop(string layer, int batchSize)
    {
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 5);
        torch.manual_seed(11);
        var x = torch.randn(6, 2, 8, dtype: ScalarType.Float64);
        using var batched = new GradCam(model, layer, CamMode.Signed).Attribute(x, LatentTarget.AllDimensions, batchSize);
        var naive = NaiveGradCam(model, x, layer);
        double diff = (batched.Values - naive).abs().max().item<double>();
        Assert.True(diff < 1e-6, $"max abs diff {diff}");
    }

    [Fact]
    public void Directions_AreLinearCombinationsOfPerDimensionMaps_InSignedMode()
    {
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 5);
        torch.manual_seed(12);
        var x = torch.randn(4, 2, 8, dtype: ScalarType.Float64);
        var directions = new double[,] { { 0.5, -1, 0, 2, 0.25 }, { 0, 0, 1, 0, 0 } };
        var camera = new GradCam(model, "encoder.2", CamMode.Signed);
        using var perDim = camera.Attribute(x, LatentTarget.AllDimensions);
        using var directional = camera.Attribute(x, LatentTarget.Directions(directions));
        var v = torch.tensor(new double[] { 0.5, -1, 0, 2, 0.25, 0, 0, 1, 0, 0 }).view(2, 5);
        var combined = perDim.Values.matmul(v.t());
        Assert.Equal(new[] { "PC1", "PC2" }, directional.TargetNames);
        Assert.True((directional.Values - combined).abs().max().item<double>() < 1e-6);
    }

    [Fact]
    public void ShorterLayer_IsUpsampledLinearlyWithAlignedCorners()
    {
        // Hook the AvgPool1d(2) output (W = 4) of an L = 8 model; the map is resampled with src = t·(W−1)/(L−1).
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 1, length: 8, latentDim: 3);
        torch.manual_seed(13);
        var x = torch.randn(3, 1, 8, dtype: ScalarType.Float64);
        using var result = new GradCam(model, "encoder.3", CamMode.Signed).Attribute(x, LatentTarget.AllDimensions);
        var atLayer = NaiveGradCam(model, x, "encoder.3", resample: false); // (N, 4, D)
        Assert.Equal(new long[] { 3, 8, 3 }, result.Values.shape);
        for (int n = 0; n < 3; n++)
            for (int i = 0; i < 3; i++)
                for (int t = 0; t < 8; t++)
                {
                    double src = t * 3.0 / 7.0;
                    int lo = (int)Math.Floor(src), hi = Math.Min(lo + 1, 3);
                    double frac = src - lo;
                    double expected = (1 - frac) * atLayer[n, lo, i].item<double>() + frac * atLayer[n, hi, i].item<double>();
                    Assert.Equal(expected, result.Values[n, t, i].item<double>(), 10);
                }
    }

    [Fact]
    public void GradSlam_ScalesEachLayerByItsPeakAndAverages()
    {
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 4);
        torch.manual_seed(14);
        var x = torch.randn(3, 2, 8, dtype: ScalarType.Float64);
        var layers = GradSlam.ConvolutionLayers(model);
        Assert.Equal(new[] { "encoder.0", "encoder.2" }, layers);
        using var slam = new GradSlam(model, layers).Attribute(x, LatentTarget.AllDimensions, batchSize: 5);
        var first = NaiveGradCam(model, x, "encoder.0");
        var second = NaiveGradCam(model, x, "encoder.2");
        var expected = (first / first.abs().amax(new long[] { 1 }, keepdim: true) + second / second.abs().amax(new long[] { 1 }, keepdim: true)) / 2;
        Assert.True((slam.Values - expected).abs().max().item<double>() < 1e-6);
        Assert.True(slam.Values.abs().max().item<double>() <= 1 + 1e-12);
    }

    [Fact]
    public void TrainingModel_IsExplainedInEvalModeAndItsModeRestored()
    {
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 1, length: 8, latentDim: 3, dropout: true);
        torch.manual_seed(15);
        var x = torch.randn(4, 1, 8, dtype: ScalarType.Float64);
        model.train();
        var camera = new GradCam(model, "encoder.2", CamMode.Signed);
        using var first = camera.Attribute(x, LatentTarget.AllDimensions);
        Assert.True(model.training);
        Assert.True(model.named_modules().All(m => m.Item2.training));
        using var second = camera.Attribute(x, LatentTarget.AllDimensions);
        Assert.Equal(0.0, (first.Values - second.Values).abs().max().item<double>());
        model.eval();
        var reference = NaiveGradCam(model, x, "encoder.2");
        Assert.True((first.Values - reference).abs().max().item<double>() < 1e-6);
    }

    [Fact]
    public void UnknownLayer_NamesTheAvailableLayers()
    {
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 1, length: 8, latentDim: 3);
        var error = Assert.Throws<ArgumentException>(() => new GradCam(model, "encoder.0.layers.6").Attribute(torch.zeros(1, 1, 8, dtype: ScalarType.Float64), LatentTarget.AllDimensions));
        Assert.Contains("encoder.0.layers.6", error.Message);
        Assert.Contains("encoder.2 (Conv1d)", error.Message);
        Assert.Contains("head (Linear)", error.Message);
    }

    [Fact]
    public void LayerWithoutTimeAxis_IsRejected()
    {
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 1, length: 8, latentDim: 3);
        var error = Assert.Throws<ArgumentException>(() => new GradCam(model, "encoder.4").Attribute(torch.zeros(1, 1, 8, dtype: ScalarType.Float64), LatentTarget.AllDimensions));
        Assert.Contains("(batch, channels, time)", error.Message);
    }

    [Theory]
    [InlineData(new long[] { 1, 8 }, "rank 3")]
    [InlineData(new long[] { 2, 3, 8 }, "3 channels")]
    [InlineData(new long[] { 2, 1, 9 }, "length 9")]
    public void BadInputShape_IsAClearArgumentException(long[] shape, string fragment)
    {
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 1, length: 8, latentDim: 3);
        var error = Assert.Throws<ArgumentException>(() => new GradCam(model, "encoder.2").Attribute(torch.zeros(shape, dtype: ScalarType.Float64), LatentTarget.AllDimensions));
        Assert.Contains(fragment, error.Message);
    }

    [Fact]
    public void BadTargets_AreClearArgumentExceptions()
    {
        using var scope = torch.NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 1, length: 8, latentDim: 3);
        var camera = new GradCam(model, "encoder.2");
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => camera.Attribute(torch.zeros(1, 1, 8, dtype: ScalarType.Float64), LatentTarget.Dimension(3)));
        Assert.Contains("3 latent dimensions", outOfRange.Message);
        var wrongLength = Assert.Throws<ArgumentException>(() => camera.Attribute(torch.zeros(1, 1, 8, dtype: ScalarType.Float64), LatentTarget.Direction(1, 2)));
        Assert.Contains("2 entries", wrongLength.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => camera.Attribute(torch.zeros(1, 1, 8, dtype: ScalarType.Float64), LatentTarget.AllDimensions, batchSize: 0));
    }

    /// <summary>
    /// The reference formulation: one sample at a time, one autograd.grad per latent dimension, with its own hook.
    /// Returns (N, L, D) signed maps (at the layer's resolution when <paramref name="resample"/> is false).
    /// </summary>
    internal static Tensor NaiveGradCam(TestEncoder model, Tensor x, string layer, bool resample = true)
    {
        var module = model.named_modules().Single(m => m.Item1 == layer).Item2 as nn.Module<Tensor, Tensor>;
        Tensor? activation = null;
        var hook = module!.register_forward_hook((_, _, output) => { activation = output.alias(); return output; });
        try
        {
            var samples = new List<Tensor>();
            for (int n = 0; n < x.shape[0]; n++)
            {
                var z = model.PosteriorMean(x.narrow(0, n, 1));
                var dims = new List<Tensor>();
                for (int i = 0; i < model.LatentDim; i++)
                {
                    var g = torch.autograd.grad(new[] { z[0, i] }, new[] { activation! }, retain_graph: true)[0];
                    var map = (g.mean(new long[] { 2 }, keepdim: true) * activation!).sum(1).detach(); // (1, W)
                    dims.Add(resample ? nn.functional.interpolate(map.unsqueeze(1), size: new long[] { x.shape[2] }, mode: InterpolationMode.Linear, align_corners: true).squeeze(1) : map);
                }
                samples.Add(torch.stack(dims, -1)); // (1, W, D)
            }
            return torch.cat(samples, 0);
        }
        finally { hook.remove(); }
    }
}
