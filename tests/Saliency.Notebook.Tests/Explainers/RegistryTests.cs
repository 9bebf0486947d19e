using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using Saliency.Notebook.Tests.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Explainers;

/// <summary>The one method registry: every method, one set of defaults, and the choice of the integration steps on real models.</summary>
public class RegistryTests(ITestOutputHelper output)
{
    [Fact]
    public void The_registry_holds_every_method_once_with_the_papers_defaults()
    {
        Assert.Equal(new[] { "gradcam", "gradslam", "gradient", "gradxinput", "guided", "ig", "fourier-ig", "csda" }, MethodRegistry.Names);
        Assert.Same(MethodRegistry.IntegratedGradients, MethodRegistry.Get(" IG "));
        Assert.Contains("known: gradcam", Assert.Throws<ArgumentException>(() => MethodRegistry.Get("occlusion")).Message);
        Assert.Equal(CamMode.Abs, MethodSettings.Default.Mode);
        Assert.Equal(GradCam.PaperLayer, MethodSettings.Default.Layer);
        Assert.Equal(IntegratedGradients.DefaultSteps, MethodSettings.Default.Steps);

        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 3);
        var gradCam = Assert.IsType<GradCam>(MethodRegistry.GradCam.Create(model, MethodSettings.Default with { Layer = "encoder.2" }));
        Assert.Equal(CamMode.Abs, gradCam.Mode);
        Assert.Equal(IntegratedGradients.DefaultSteps, Assert.IsType<IntegratedGradients>(MethodRegistry.IntegratedGradients.Create(model)).Steps);
        Assert.Equal(IntegratedGradients.DefaultSteps, Assert.IsType<FourierIntegratedGradients>(MethodRegistry.FourierIntegratedGradients.Create(model)).Steps);
        Assert.Equal(new[] { "fourier-ig" }, MethodRegistry.All.Where(m => m.Axis == AttributionAxis.Frequency).Select(m => m.Name));
    }

    [Fact]
    public void Every_method_gives_maps_towards_every_latent_dimension()
    {
        using var scope = NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 3);
        var x = randn(4, 2, 8, dtype: ScalarType.Float64, generator: new Generator(7));
        var settings = MethodSettings.Default with { Layer = "encoder.2", Steps = 8 };
        foreach (var method in MethodRegistry.All)
        {
            using var maps = method.Maps(model, x, CPU, 64, settings);
            long positions = method.Axis == AttributionAxis.Frequency ? 8 / 2 + 1 : 8;
            Assert.Equal(new long[] { 4, positions, 3 }, maps.Absolute.shape);
            Assert.True(maps.Absolute.ge(0).all().item<bool>(), method.Name);
            Assert.True((maps.Signed.abs() - maps.Absolute).le(1e-12).all().item<bool>(), method.Name);   // |Σ_c a| ≤ Σ_c |a|
        }
    }

    /// <summary>
    /// Each registered method's maps are exactly its explainer class's, constructed here by hand (not through the registry) and
    /// run on the same input and batch size (3 of 5 rows, so chunking is exercised), then reduced as <see cref="MethodMaps"/>
    /// documents: per-latent maps as they are and |·|, input attributions Σ_c and Σ_c|·|. A method wired to the wrong class,
    /// step count, layer or reduction fails here; the shape checks above would not see it. GradCAM's registry path is the
    /// affine head's (this model's head is pooling + linear), so it is compared exactly with that and, within rounding, with the
    /// general GradCAM explainer.
    /// </summary>
    [Fact]
    public void Every_registered_methods_maps_equal_its_explainer_class_called_directly()
    {
        using var scope = NewDisposeScope();
        const int batch = 3, steps = 8;
        const string layer = "encoder.2";
        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 3);
        var x = randn(5, 2, 8, dtype: ScalarType.Float64, generator: new Generator(11));
        var settings = MethodSettings.Default with { Layer = layer, Steps = steps };
        Assert.Equal(new[] { "encoder.0", "encoder.2" }, GradSlam.ConvolutionLayers(model));
        var direct = new Dictionary<string, Func<LatentExplainer>>
        {
            ["gradslam"] = () => new GradSlam(model, new[] { "encoder.0", "encoder.2" }),
            ["gradient"] = () => new VanillaGradient(model),
            ["gradxinput"] = () => new GradientTimesInput(model),
            ["guided"] = () => new GuidedBackprop(model),
            ["ig"] = () => new IntegratedGradients(model, steps),
            ["fourier-ig"] = () => new CrossDomainIntegratedGradients(model, FourierDomain.Instance, steps),
            ["csda"] = () => new ComplexStepAttribution(model),
        };
        Assert.Equal(MethodRegistry.Names.Where(n => n != "gradcam").Order(), direct.Keys.Order());   // a new method needs a row here

        foreach (var method in MethodRegistry.All)
        {
            using var maps = method.Maps(model, x, CPU, batch, settings);
            Tensor signed, absolute;
            if (method == MethodRegistry.GradCam)
            {
                using var fast = new GradCam(model, layer, CamMode.Signed).Attribute(x, LatentTarget.AllDimensions, batch);
                Assert.Equal(GradCam.AffineRoute, fast.Route);
                signed = fast.Values.alias();
                absolute = signed.abs();
                using var general = new GradCam(model, layer, CamMode.Signed) { TryAffineHead = false }.Attribute(x, LatentTarget.AllDimensions, batch);
                Assert.Equal(GradCam.GeneralRoute, general.Route);
                Assert.True(maps.Signed.allclose(general.Values, rtol: 1e-10, atol: 1e-12), "gradcam against the general explainer");
            }
            else
            {
                using var attribution = direct[method.Name]().Attribute(x, LatentTarget.AllDimensions, batch);
                var values = attribution.Values.alias();
                (signed, absolute) = method.Kind == AttributionKind.PerLatent ? (values, values.abs()) : (values.sum(2), values.abs().sum(2));
            }
            Assert.Equal(ScalarType.Float64, maps.Signed.dtype);
            Assert.Equal(signed.shape, maps.Signed.shape);
            Assert.Equal(absolute.shape, maps.Absolute.shape);
            Assert.True(maps.Signed.allclose(signed, rtol: 0, atol: 0), $"{method.Name}: signed maps differ from the explainer's");
            Assert.True(maps.Absolute.allclose(absolute, rtol: 0, atol: 0), $"{method.Name}: absolute maps differ from the explainer's");
        }
    }

    [Fact]
    public void GradCams_signed_maps_keep_their_sign_whatever_the_mode_and_the_absolute_maps_apply_it()
    {
        using var scope = NewDisposeScope();
        var model = TestEncoder.RandomConv(channels: 2, length: 8, latentDim: 3);
        var x = randn(6, 2, 8, dtype: ScalarType.Float64, generator: new Generator(5));
        var settings = MethodSettings.Default with { Layer = "encoder.2" };
        using var signedCam = new GradCam(model, "encoder.2", CamMode.Signed).Attribute(x, LatentTarget.AllDimensions, 64);
        var expected = signedCam.Values.to(ScalarType.Float64);
        Assert.True(expected.lt(0).any().item<bool>());                          // the test needs negative GradCAM values

        foreach (var mode in new[] { CamMode.Abs, CamMode.Signed, CamMode.Relu })
        {
            using var maps = MethodRegistry.GradCam.Maps(model, x, CPU, 64, settings with { Mode = mode });
            Assert.True(maps.Signed.allclose(expected, rtol: 1e-10, atol: 1e-12), mode.ToString());
            var absolute = mode == CamMode.Relu ? expected.relu() : expected.abs();
            Assert.True(maps.Absolute.allclose(absolute, rtol: 1e-10, atol: 1e-12), mode.ToString());
        }
    }

    /// <summary>
    /// Why <see cref="IntegratedGradients.DefaultSteps"/>: the completeness error Σ attr − (f(x) − f(0)) of the trapezoid rule on the
    /// authors' two checkpoints, relative to the largest |f(x) − f(0)|, for 64 samples of each dataset.
    /// </summary>
    [Fact]
    public void Default_integration_steps_keep_the_completeness_error_below_one_percent_on_the_papers_models()
    {
        foreach (var (name, file) in new[] { ("symbols", "symbols/augmented_symbols.npy"), ("eog", "eog/time_series_positions.npy") })
        {
            using var scope = NewDisposeScope();
            using var loaded = ModelStore.Load(OriginalFiles.Checkpoint(name));
            var all = OriginalFiles.Series(file);
            var x = all.index_select(0, linspace(0, all.shape[0] - 1, 64).to(ScalarType.Int64));
            double change = (loaded.Model.PosteriorMean(x) - loaded.Model.PosteriorMean(zeros_like(x))).abs().max().item<float>();
            double Relative(int steps)
            {
                using var attribution = new IntegratedGradients(loaded.Model, steps).Attribute(x, LatentTarget.AllDimensions, 16384);
                return attribution.CompletenessError!.abs().max().item<float>() / change;
            }
            double atDefault = Relative(IntegratedGradients.DefaultSteps);
            output.WriteLine($"{name}: {IntegratedGradients.DefaultSteps} steps → relative completeness error {atDefault:E2}");
            Assert.True(atDefault < 1e-2, $"{name}: {atDefault}");
            if (name == "symbols")
            {
                // The sanity checks' former 16 steps were too few: the error there is several percent.
                double atSixteen = Relative(16);
                output.WriteLine($"{name}: 16 steps → relative completeness error {atSixteen:E2}");
                Assert.True(atSixteen > 2e-2, $"{name} at 16 steps: {atSixteen}");
            }
        }
    }
}
