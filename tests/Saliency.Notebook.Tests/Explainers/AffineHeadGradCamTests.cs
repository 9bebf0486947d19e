using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using Saliency.Notebook.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Explainers;

/// <summary>
/// The affine-head path (∂z/∂A computed once) against hand-computed values and against the general path (one backward pass per chunk),
/// on hand-built networks and on the authors' checkpoints; heads that are not affine must be detected and refused.
/// </summary>
public class AffineHeadGradCamTests
{
    // The hand-set net of GradCamTests (C=1, L=4, D=2; see there): head H after encoder.0, so ∂z_i/∂A_k[t] = H[i, 4k+t] for every input,
    // α0 = (1, 0), α1 = (0.5, −1); sample 0 x = (1,−2,3,0.5) gives the signed maps M0 = (1,−2,3,0.5), M1 = (1,−3.5,4,0.25).
    private static readonly float[] Head = { 1, 1, 1, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, -4 };

    [Fact]
    public void Hand_set_network_gives_its_head_as_jacobian_and_the_hand_computed_maps()
    {
        using var scope = NewDisposeScope();
        var model = TestEncoder.HandSet(reluAfterConv: false);
        using var fast = AffineHeadGradCam.TryCreate(model, "encoder.0", CamMode.Signed);
        Assert.NotNull(fast);
        Assert.Equal(Head, fast!.Jacobian.reshape(-1).data<float>().ToArray());
        Assert.Equal(new float[] { 1, 0, 0.5f, -1 }, fast.Alpha.reshape(-1).data<float>().ToArray());
        Assert.Equal(new float[] { 0, 0 }, fast.Offset.data<float>().ToArray());
        var x = tensor(new float[] { 1, -2, 3, 0.5f }).view(1, 1, 4);
        var maps = fast.Maps(x);
        Assert.Equal(new long[] { 1, 4, 2 }, maps.shape);
        Assert.Equal(new float[] { 1, 1, -2, -3.5f, 3, 4, 0.5f, 0.25f }, maps.reshape(-1).data<float>().ToArray());
    }

    [Fact]
    public void A_relu_after_the_hooked_layer_is_detected_as_not_affine()
    {
        using var scope = NewDisposeScope();
        Assert.Null(AffineHeadGradCam.TryCreate(TestEncoder.HandSet(reluAfterConv: true), "encoder.0"));
        Assert.Null(AffineHeadGradCam.TryCreate(TestEncoder.RandomConv(2, 12, 3), "encoder.0"));   // encoder.1 is a ReLU
    }

    [Theory]
    [InlineData(CamMode.Abs)]
    [InlineData(CamMode.Signed)]
    [InlineData(CamMode.Relu)]
    public void Random_conv_network_equals_the_general_path(CamMode mode)
    {
        using var scope = NewDisposeScope();
        var model = TestEncoder.RandomConv(2, 12, 3, pool: 3, dropout: true);           // encoder.2 → Dropout, AvgPool, Flatten, Linear
        manual_seed(3);
        var x = randn(9, 2, 12, dtype: ScalarType.Float64);
        using var fast = AffineHeadGradCam.TryCreate(model, "encoder.2", mode);
        Assert.NotNull(fast);
        using var general = new GradCam(model, "encoder.2", mode) { TryAffineHead = false }.Attribute(x, LatentTarget.AllDimensions);
        var maps = fast!.Maps(x);
        Assert.True(maps.allclose(general.Values, rtol: 0, atol: 1e-12), $"max difference {(maps - general.Values).abs().max().item<double>()}");
        var (latents, residual) = fast.EncodeChecked(x);
        Assert.True(residual < 1e-12, $"residual {residual}");
        model.eval();                                                                     // TestEncoder runs in the module's own mode
        Assert.True(latents.allclose(model.PosteriorMean(x), rtol: 0, atol: 1e-12));
    }

    [Theory]
    [InlineData("symbols", "symbols/augmented_symbols.npy")]
    [InlineData("eog", "eog/time_series_positions.npy")]
    public void Original_checkpoints_give_the_general_paths_maps(string name, string data)
    {
        using var scope = NewDisposeScope();
        using var loaded = ModelStore.Load(OriginalFiles.Checkpoint(name));
        var x = OriginalFiles.Series(data);
        using var fast = AffineHeadGradCam.TryCreate(loaded.Model);
        Assert.NotNull(fast);
        var maps = fast!.Maps(x);
        using var general = new GradCam(loaded) { TryAffineHead = false }.Attribute(x, LatentTarget.AllDimensions);
        double scale = general.Values.abs().max().item<float>();
        double difference = (maps - general.Values).abs().max().item<float>();
        Assert.True(difference <= 1e-6 * scale, $"{name}: max |fast − general| = {difference} for maps up to {scale}");
        var (latents, residual) = fast.EncodeChecked(x);
        Assert.True(residual < 1e-5, $"{name}: the data's latents are {residual} (relative) away from the affine model");
        Assert.True(latents.allclose(loaded.Model.PosteriorMeans(x, CPU), rtol: 0, atol: 1e-6));
    }
}
