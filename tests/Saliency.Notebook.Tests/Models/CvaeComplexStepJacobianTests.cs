using Saliency.Notebook.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Models;

/// <summary>
/// <see cref="CVAE.ComplexStepJacobian"/> (real part once per sample, imaginary part only on each perturbation's receptive field)
/// against the naive complex-step evaluation it replaces: every one-hot complex row x + i·h·e_{c,t} through
/// <see cref="CVAE.PosteriorMeanComplex"/>.
/// </summary>
public sealed class CvaeComplexStepJacobianTests(ITestOutputHelper output)
{
    private const double Step = 1e-20;

    [Theory]
    [InlineData(new[] { 4, 5, 3 }, 5, 40, 4, 1024)]   // window 13 of 40: interior steps and both edges
    [InlineData(new[] { 4, 5, 3 }, 5, 40, 4, 7)]      // 2 perturbations per pass: many chunks
    [InlineData(new[] { 3, 4 }, 7, 30, 3, 5)]         // 2 layers, kernel 7, chunks that straddle the channels
    [InlineData(new[] { 4, 4, 4 }, 9, 20, 5, 1024)]   // receptive field 25 > L = 20: the window is the whole series
    [InlineData(new[] { 4, 3, 5, 4 }, 3, 24, 6, 64)]  // 4 layers of kernel 3
    [InlineData(new[] { 5 }, 7, 30, 5, 1024)]         // one conv, no ReLU: the tangent is shared by every sample
    [InlineData(new[] { 3, 3 }, 1, 12, 4, 1024)]      // kernel 1: each perturbation reaches only its own step
    public void EqualsTheFullComplexEvaluation(int[] hiddenDims, int kernelSize, int length, int samplingFactor, int batchSize)
    {
        const int channels = 2, samples = 3, latentDim = 4;
        torch.manual_seed(11);
        using var model = new CVAE(new CvaeConfig
        {
            Channels = channels, Length = length, LatentDim = latentDim, HiddenDims = hiddenDims, KernelSize = kernelSize,
            SamplingFactor = samplingFactor, Dropout = 0.2,
        });
        using var scope = NewDisposeScope();
        var x = randn(samples, channels, length, dtype: ScalarType.Float64);

        var fast = model.ComplexStepJacobian(x, Step, batchSize);                                          // (C·L, B, D)
        var reference = NaiveComplexStepJacobian(model, x);

        Assert.Equal(new long[] { channels * length, samples, latentDim }, fast.shape);
        double scale = reference.abs().max().item<double>();
        double relative = (fast - reference).abs().max().item<double>() / scale;
        output.WriteLine($"max |fast − full| / max |full| = {relative:e2} (max |full| = {scale:e2})");
        Assert.True(scale > 0);
        Assert.True(relative <= 1e-12, $"relative difference {relative:e2}");
    }

    [Fact]
    public void LoadedModelUsesTheSameEvaluation()
    {
        torch.manual_seed(3);
        var model = new CVAE(new CvaeConfig { Channels = 2, Length = 20, LatentDim = 3, HiddenDims = new[] { 4, 4 }, KernelSize = 3, SamplingFactor = 5 });
        using var loaded = new LoadedModel(model, new ModelCard { Config = model.Config }, "in memory");
        using var scope = NewDisposeScope();
        var x = randn(2, 2, 20, dtype: ScalarType.Float64);
        Assert.True(((IComplexStepEncoder)loaded).ComplexStepJacobian(x, Step, 16).equal(model.ComplexStepJacobian(x, Step, 16)).all().item<bool>());
    }

    /// <summary>Im(z(x + i·h·e_k))/h for every flat input position k = c·L + t, all rows in one complex batch: (C·L, B, D).</summary>
    private static Tensor NaiveComplexStepJacobian(CVAE model, Tensor x)
    {
        long samples = x.shape[0], channels = x.shape[1], length = x.shape[2], inputs = channels * length;
        var perturbation = (eye(inputs, dtype: ScalarType.Float64) * Step).view(inputs, 1, channels, length).expand(-1, samples, -1, -1);
        var rows = complex(x.unsqueeze(0).expand(inputs, -1, -1, -1), perturbation).reshape(inputs * samples, channels, length);
        return model.PosteriorMeanComplex(rows).imag.div(Step).view(inputs, samples, -1);
    }
}
