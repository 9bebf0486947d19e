using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Explainers;

/// <summary>The explainers' one calling convention: bound to the model once, one Attribute call, one result that says what made it.</summary>
public class ExplainerSurfaceTests
{
    [Fact]
    public void Every_method_of_the_registry_says_its_method_settings_axis_device_and_time()
    {
        using var scope = NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 3);
        var x = randn(4, 2, 8, dtype: ScalarType.Float64, generator: new Generator(5));
        foreach (var method in MethodRegistry.All)
        {
            var explainer = method.Create(model, MethodSettings.Default with { Layer = "encoder.2" });
            Assert.Same(model, explainer.Model);
            Assert.Equal(method.Name, explainer.Method);
            using var attribution = explainer.Attribute(x);
            Assert.Equal(method.Name, attribution.Method);
            Assert.Equal(explainer.Settings, attribution.Settings);
            Assert.Equal(method.Axis, attribution.Axis);
            Assert.Equal("cpu", attribution.Device);
            Assert.True(attribution.Seconds > 0, method.Name);
            Assert.Equal(new[] { "z0", "z1", "z2" }, attribution.TargetNames);
            Assert.Equal(4, attribution.Count);
            Assert.Null(attribution.Labels);
            Assert.Equal(method.Kind == AttributionKind.PerLatent, attribution.Layer is not null);
        }
    }

    [Fact]
    public void A_dataset_is_explained_on_the_cpu_with_its_name_and_labels()
    {
        using var scope = NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 3, dtype: ScalarType.Float32);
        var values = randn(6, 8, 2, generator: new Generator(9));
        using var data = TimeSeriesDataset.FromTensor(values, new[] { "a", "b", "a", "b", "a", "b" }, new DatasetDescription { Name = "mine" });
        using var attribution = new GradCam(model, "encoder.2").Attribute(data);
        Assert.Equal("mine", attribution.Dataset);
        Assert.Equal(data.Labels, attribution.Labels);
        Assert.Equal(DeviceType.CPU, attribution.Values.device.type);
        Assert.Equal(new long[] { 6, 8, 3 }, attribution.Values.shape);
        using var direct = new GradCam(model, "encoder.2").Attribute(data.X);
        Assert.True(attribution.Values.allclose(direct.Values, rtol: 0, atol: 0));
        // MeanMap over label a is the mean of rows 0, 2, 4 as (targets, time).
        double[,] mean = attribution.MeanMap("a");
        var expected = direct.Values.index_select(0, tensor(new long[] { 0, 2, 4 })).to(ScalarType.Float64).mean([0L]);
        Assert.Equal(expected[5, 1].item<double>(), mean[1, 5], 12);
        Assert.Throws<ArgumentException>(() => attribution.MeanMap("c"));
    }

    [Theory]
    [InlineData(CamMode.Abs)]
    [InlineData(CamMode.Signed)]
    [InlineData(CamMode.Relu)]
    public void GradCams_fast_path_serves_chosen_dimensions_and_principal_directions_as_the_general_path_does(CamMode mode)
    {
        using var scope = NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 2, length: 12, latentDim: 5, pool: 3);
        var x = randn(7, 2, 12, dtype: ScalarType.Float64, generator: new Generator(13));
        var pca = LatentPca.Fit(model.PosteriorMeans(x, CPU), components: 2);
        foreach (var targets in new[] { LatentTarget.AllDimensions, LatentTarget.Dimensions(4, 1), LatentTarget.Dimension(2), pca.Targets })
        {
            using var fast = new GradCam(model, "encoder.2", mode).Attribute(x, targets);
            using var general = new GradCam(model, "encoder.2", mode) { TryAffineHead = false }.Attribute(x, targets, batchSize: 6);
            Assert.Equal(GradCam.AffineRoute, fast.Route);
            Assert.Equal(GradCam.GeneralRoute, general.Route);
            Assert.Equal(general.TargetNames, fast.TargetNames);
            Assert.True(fast.Values.allclose(general.Values, rtol: 0, atol: 1e-12), $"{targets} ({mode}): max difference {(fast.Values - general.Values).abs().max().item<double>()}");
        }
        using var all = new GradCam(model, "encoder.2", mode).Attribute(x);
        using var chosen = new GradCam(model, "encoder.2", mode).Attribute(x, LatentTarget.Dimensions(4, 1));
        Assert.Equal(new[] { "z4", "z1" }, chosen.TargetNames);
        Assert.True(chosen.Values.allclose(all.Values.index_select(2, tensor(new long[] { 4, 1 })), rtol: 0, atol: 0));
        Assert.Equal(new[] { "PC1", "PC2" }, pca.Targets.Names(5));
    }

    [Fact]
    public void The_loaded_model_is_the_encoder()
    {
        using var scope = NewDisposeScope();
        var config = new CvaeConfig { Channels = 2, Length = 20, LatentDim = 4 };
        using var loaded = new LoadedModel(new CVAE(config), new ModelCard { Config = config }, "(in memory)");
        loaded.Model.eval();
        var x = randn(3, 2, 20, generator: new Generator(2));
        Assert.True(loaded.PosteriorMean(x).allclose(loaded.Model.PosteriorMean(x), rtol: 0, atol: 0));
        using var viaLoaded = new GradCam(loaded, "encoder.0.layers.4").Attribute(x);
        using var viaNetwork = new GradCam(loaded.Model, "encoder.0.layers.4").Attribute(x);
        Assert.True(viaLoaded.Values.allclose(viaNetwork.Values, rtol: 0, atol: 0));
        using var csda = new ComplexStepAttribution(loaded).Attribute(x.narrow(0, 0, 1), LatentTarget.Dimension(0));
        Assert.Equal(new long[] { 1, 20, 2, 1 }, csda.Values.shape);
    }

    [Fact]
    public void What_a_method_needs_of_the_model_is_checked_when_it_is_bound()
    {
        using var scope = NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 1, length: 8, latentDim: 3);
        var noLayer = Assert.Throws<ArgumentException>(() => new GradCam(model, "encoder.9"));
        Assert.Contains("encoder.9", noLayer.Message);
        Assert.Throws<ArgumentException>(() => new GuidedBackprop(TestEncoder.Linear(new float[,] { { 1, 0 } }, [0f], channels: 1, length: 2)));
        Assert.Throws<ArgumentException>(() => new ComplexStepAttribution(new RealOnly(model)));
        Assert.Throws<ArgumentNullException>(() => new VanillaGradient(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatentTarget.Dimensions(-1));
        using var x = zeros(1, 1, 8, dtype: ScalarType.Float64);
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => new VanillaGradient(model).Attribute(x, LatentTarget.Dimensions(0, 3)));
        Assert.Contains("3 latent dimensions", outOfRange.Message);
    }

    /// <summary>An encoder that cannot evaluate itself in complex128.</summary>
    private sealed class RealOnly(ILatentEncoder inner) : ILatentEncoder
    {
        public int Channels => inner.Channels;
        public int Length => inner.Length;
        public int LatentDim => inner.LatentDim;
        public nn.Module Root => inner.Root;
        public Tensor PosteriorMean(Tensor x) => inner.PosteriorMean(x);
    }
}
