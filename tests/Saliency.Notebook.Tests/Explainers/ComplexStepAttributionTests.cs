using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Explainers;

/// <summary>CSDA of a CVAE through its windowed complex-step Jacobian against the full complex rows of the interface's default.</summary>
public sealed class ComplexStepAttributionTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1024)]
    [InlineData(45)]   // 15 perturbations per pass of 3 samples: the C·L = 80 perturbations in 6 passes
    public void CsdaOfACvae_EqualsTheFullComplexRows(int batchSize)
    {
        torch.manual_seed(5);
        using var model = new CVAE(new CvaeConfig { Channels = 2, Length = 40, LatentDim = 5, HiddenDims = new[] { 6, 4, 5 }, KernelSize = 5, SamplingFactor = 8 });
        using var scope = NewDisposeScope();
        var x = randn(3, 2, 40, dtype: ScalarType.Float64);

        using var windowed = new ComplexStepAttribution(model).Attribute(x, LatentTarget.AllDimensions, batchSize);
        using var fullRows = new ComplexStepAttribution(new FullRowsEncoder(model)).Attribute(x, LatentTarget.AllDimensions, batchSize);
        using var autograd = new VanillaGradient(new FullRowsEncoder(model)).Attribute(x.to(ScalarType.Float32), LatentTarget.AllDimensions);

        Assert.Equal(new long[] { 3, 40, 2, 5 }, windowed.Values.shape);
        double scale = fullRows.Values.abs().max().item<double>();
        double relative = (windowed.Values - fullRows.Values).abs().max().item<double>() / scale;
        output.WriteLine($"max |windowed − full rows| / max |full rows| = {relative:e2}");
        Assert.True(relative <= 1e-12, $"relative difference {relative:e2}");
        Assert.True((windowed.Values - autograd.Values.to(ScalarType.Float64)).abs().max().item<double>() / scale < 1e-5);
    }

    /// <summary>A CVAE seen only through <see cref="IComplexStepEncoder.PosteriorMeanComplex"/>: CSDA takes the interface's full-row default.</summary>
    private sealed class FullRowsEncoder(CVAE inner) : IComplexStepEncoder
    {
        public int Channels => inner.Channels;
        public int Length => inner.Length;
        public int LatentDim => inner.LatentDim;
        public nn.Module Root => inner;
        public Tensor PosteriorMean(Tensor x) => inner.PosteriorMean(x);
        public Tensor PosteriorMeanComplex(Tensor x) => inner.PosteriorMeanComplex(x);
    }
}
