using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Models;

public sealed class LatentEncodingTests
{
    private static CVAE SmallModel() => new(new CvaeConfig { Channels = 2, Length = 20, LatentDim = 4, Dropout = 0.1 });

    private static Tensor Inputs(long count)
    {
        using var generator = new Generator(11);
        return randn(new long[] { count, 2, 20 }, generator: generator);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1024)]
    public void BatchedMeansEqualOneForwardPassOfTheWholeSet(int batchSize)
    {
        using var scope = NewDisposeScope();
        using var model = SmallModel();
        var x = Inputs(7);
        Tensor expected;
        using (no_grad()) expected = model.PosteriorMean(x);

        var means = model.PosteriorMeans(x, CPU, batchSize);

        Assert.Equal(new long[] { 7, 4 }, means.shape);
        Assert.Equal(ScalarType.Float32, means.dtype);
        Assert.False(means.requires_grad);
        Assert.True(means.allclose(expected, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void AnEmptySetGivesAnEmptyMatrixWithTheLatentWidth()
    {
        using var scope = NewDisposeScope();
        using var model = SmallModel();

        var means = model.PosteriorMeans(zeros(0, 2, 20), CPU);

        Assert.Equal(new long[] { 0, 4 }, means.shape);
        Assert.Equal(ScalarType.Float32, means.dtype);
    }

    [Fact]
    public void ANonFiniteMeanIsAnErrorNamingTheSample()
    {
        using var scope = NewDisposeScope();
        using var model = SmallModel();
        // Sample 5 is finite in float32 but overflows to ∞ in the first convolution once its weights are all 1 (34 taps of 1e38).
        using (no_grad()) model.named_parameters().First(p => p.name == "encoder.0.layers.0.weight").parameter.fill_(1);
        var x = Inputs(7);
        x[5] = full(new long[] { 2, 20 }, 1e38f);

        var error = Assert.Throws<InvalidOperationException>(() => model.PosteriorMeans(x, CPU, batchSize: 3));
        Assert.Contains("sample 5 ", error.Message);

        using (no_grad()) model.named_parameters().First(p => p.name.EndsWith("weight")).parameter.fill_(float.NaN);
        Assert.Contains("sample 0 ", Assert.Throws<InvalidOperationException>(() => model.PosteriorMeans(Inputs(2), CPU)).Message);
    }

    [Fact]
    public void BadShapesAndBatchSizesAreRefusedWithTheExpectedShape()
    {
        using var scope = NewDisposeScope();
        using var model = SmallModel();

        var wrongLength = Assert.Throws<ArgumentException>(() => model.PosteriorMeans(zeros(3, 2, 21), CPU));
        Assert.Contains("(N, 2, 20)", wrongLength.Message);
        Assert.Contains("[3, 2, 21]", wrongLength.Message);
        Assert.Throws<ArgumentException>(() => model.PosteriorMeans(zeros(2, 20), CPU));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PosteriorMeans(zeros(3, 2, 20), CPU, batchSize: 0));
    }
}
