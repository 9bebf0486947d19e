using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Explainers;

/// <summary>A researcher's own TorchSharp encoder (not the paper's CVAE, no kit interface) works with GradCAM and the global maps
/// once wrapped in a <see cref="ModuleEncoder"/>, its convolution named by its field name.</summary>
public class CustomEncoderTests
{
    /// <summary>conv1 (C→8, k7) → ReLU → conv2 (8→8, k7) → mean over time → Linear mean head (8→D): posterior means only.</summary>
    private sealed class SmallEncoder : nn.Module<Tensor, Tensor>
    {
        private readonly Conv1d conv1;
        private readonly Conv1d conv2;
        private readonly Linear mean;

        public SmallEncoder(int channels, int latentDim, ScalarType dtype) : base(nameof(SmallEncoder))
        {
            torch.manual_seed(5);
            conv1 = nn.Conv1d(channels, 8, 7, padding: Padding.Same);
            conv2 = nn.Conv1d(8, 8, 7, padding: Padding.Same);
            mean = nn.Linear(8, latentDim);
            RegisterComponents();
            this.to(dtype);
        }

        public override Tensor forward(Tensor x) => mean.call(conv2.call(conv1.call(x).relu()).mean(new long[] { 2 }));

        /// <summary>The activation of conv2 and the means computed from it, by hand (for the naive reference).</summary>
        public (Tensor Activation, Tensor Means) Split(Tensor x)
        {
            var a = conv2.forward(conv1.forward(x).relu()).detach().requires_grad_(true);
            return (a, mean.forward(a.mean(new long[] { 2 })));
        }
    }

    [Fact]
    public void GradCam_of_a_custom_encoder_equals_the_per_sample_per_dimension_definition()
    {
        using var scope = NewDisposeScope();
        var module = new SmallEncoder(channels: 2, latentDim: 3, ScalarType.Float64);
        var encoder = new ModuleEncoder(module, channels: 2, length: 30);
        Assert.Equal(3, encoder.LatentDim);
        manual_seed(9);
        var x = randn(5, 2, 30, dtype: ScalarType.Float64);
        using var cam = new GradCam(encoder, "conv2").Attribute(x, LatentTarget.AllDimensions);
        Assert.Equal(new long[] { 5, 30, 3 }, cam.Values.shape);
        for (int n = 0; n < 5; n++)
            for (int d = 0; d < 3; d++)
            {
                var (a, z) = module.Split(x.narrow(0, n, 1));
                var gradient = autograd.grad(new[] { z[0, d] }, new[] { a })[0];               // (1, 8, 30)
                var expected = (gradient.mean(new long[] { 2 }, keepdim: true) * a).sum(1).abs()[0]; // |Σ_k mean_t(∂z/∂A_k) A_k|
                double diff = (cam.Values[n, .., d] - expected).abs().max().item<double>();
                Assert.True(diff < 1e-12, $"sample {n}, dim {d}: {diff}");
            }
    }

    [Fact]
    public void The_global_pipeline_runs_on_a_custom_encoder_and_its_own_layer()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var values = randn(12, 30, 2).to(ScalarType.Float64);
        var labels = Enumerable.Range(0, 12).Select(i => i % 3).ToArray();
        using var data = TimeSeriesDataset.FromTensor(values, labels, new DatasetDescription { Name = "mine" });
        var encoder = new ModuleEncoder(new SmallEncoder(2, 4, ScalarType.Float32), 2, 30);
        using var result = GlobalSaliencyPipeline.Run(encoder, data, new PipelineOptions { Layer = "conv2", GridSize = 16, Sigma = 1 });
        using var cam = new GradCam(encoder, "conv2") { TryAffineHead = false }.Attribute(data.X, LatentTarget.AllDimensions);
        // The head after conv2 is affine (mean over time, Linear): the pipeline takes the affine head's path, equal to the general one.
        Assert.Equal(GradCam.AffineRoute, result.GradCamMaps.Route);
        double scale = cam.Values.abs().max().item<float>();
        Assert.True((cam.Values - result.GradCam).abs().max().item<float>() <= 1e-5 * scale);
        Assert.Equal(MapVariant.TimeSeries, result.Variant);
        Assert.Equal(new[] { "0", "1", "2" }, result.Maps.Labels);
        Assert.Equal(new[] { 3, 2, 30, 16 }, Enumerable.Range(0, 4).Select(result.Maps.Normalised.GetLength));
        Assert.Contains("'encoder.0.layers.6'", Assert.ThrowsAny<ArgumentException>(() => GlobalSaliencyPipeline.Run(encoder, data)).Message);
    }

    [Fact]
    public void A_module_that_does_not_give_one_mean_vector_per_series_is_refused()
    {
        var flat = nn.Sequential(("conv", nn.Conv1d(1, 2, 3)));
        Assert.Contains("posterior means (B, D)", Assert.Throws<ArgumentException>(() => new ModuleEncoder(flat, 1, 10)).Message);
    }
}
