using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Models;

public sealed class CvaeTests
{
    private static CvaeConfig SymbolsShape(double dropout = 0.1) => new() { Channels = 2, Length = 60, LatentDim = 16, Dropout = dropout };

    [Fact]
    public void StateDictKeysAndShapesEqualTheShippedSymbolsCheckpoint()
    {
        using var model = new CVAE(SymbolsShape());
        var expected = new Dictionary<string, long[]>
        {
            ["scale"] = new long[] { 1 },
            ["encoder.0.layers.0.weight"] = new long[] { 16, 2, 17 }, ["encoder.0.layers.0.bias"] = new long[] { 16 },
            ["encoder.0.layers.3.weight"] = new long[] { 16, 16, 17 }, ["encoder.0.layers.3.bias"] = new long[] { 16 },
            ["encoder.0.layers.6.weight"] = new long[] { 16, 16, 17 }, ["encoder.0.layers.6.bias"] = new long[] { 16 },
            ["lsr.prior_loc"] = new long[] { 1, 16 }, ["lsr.prior_log_var"] = new long[] { 1, 16 },
            ["lsr.z_loc.weight"] = new long[] { 16, 96 }, ["lsr.z_loc.bias"] = new long[] { 16 },
            ["lsr.z_log_var.0.weight"] = new long[] { 16, 96 }, ["lsr.z_log_var.0.bias"] = new long[] { 16 },
            ["decoder.initial_layer.0.weight"] = new long[] { 96, 16 }, ["decoder.initial_layer.0.bias"] = new long[] { 96 },
            ["decoder.deconv_layers.1.0.weight"] = new long[] { 16, 16, 17 }, ["decoder.deconv_layers.1.0.bias"] = new long[] { 16 },
            ["decoder.deconv_layers.2.0.weight"] = new long[] { 16, 16, 17 }, ["decoder.deconv_layers.2.0.bias"] = new long[] { 16 },
            ["decoder.deconv_layers.3.weight"] = new long[] { 16, 2, 17 }, ["decoder.deconv_layers.3.bias"] = new long[] { 2 },
        };
        var actual = model.state_dict();
        Assert.Equal(expected.Keys.OrderBy(k => k), actual.Keys.OrderBy(k => k));
        foreach (var (key, shape) in expected) Assert.Equal(shape, actual[key].shape);
        Assert.Equal(21, actual.Count);
    }

    [Fact]
    public void ModuleNamesFollowTheSharedReluOfTheOriginal()
    {
        using var model = new CVAE(SymbolsShape());
        var names = model.named_modules().Select(m => m.name).ToHashSet();
        foreach (string name in new[] { "encoder.0.layers.0", "encoder.0.layers.1", "encoder.0.layers.2", "encoder.0.layers.3", "encoder.0.layers.5", "encoder.0.layers.6" })
            Assert.Contains(name, names);
        Assert.DoesNotContain("encoder.0.layers.4", names);

        using var noDropout = new CVAE(SymbolsShape(dropout: 0));
        var convs = noDropout.named_modules().Where(m => m.module is ChannelsLastConv1d).Select(m => m.name).ToList();
        Assert.Equal(new[] { "encoder.0.layers.0", "encoder.0.layers.2", "encoder.0.layers.4" }, convs);
    }

    [Fact]
    public void VampPriorParametersCarryTheOriginalNames()
    {
        using var model = new CVAE(new CvaeConfig { Channels = 2, Length = 20, LatentDim = 4, Prior = LatentPrior.VampPrior, Components = 5, Dropout = 0.1 });
        var sd = model.state_dict();
        Assert.Equal(new long[] { 5, 5 }, sd["lsr.pseudo_inputs_NN.0.weight"].shape);
        Assert.Equal(new long[] { 40, 5 }, sd["lsr.pseudo_inputs_NN.2.weight"].shape);
        Assert.Equal(new long[] { 1, 5 }, sd["lsr.prior_weights"].shape);
        Assert.DoesNotContain(sd.Keys, k => k.StartsWith("lsr.encoder") || k.StartsWith("lsr.prior_log_var_NN"));

        using var scope = NewDisposeScope();
        var z = randn(3, 4);
        var logPrior = model.PriorLogDensity(z);
        Assert.Equal(new long[] { 3 }, logPrior.shape);
        // The mixture density is bounded by the best component's density (weights sum to 1).
        var pseudo = (model.LatentHead as VampPriorLatentHead)!.PseudoInputs();
        Assert.Equal(new long[] { 5, 2, 20 }, pseudo.shape);
        Assert.True(pseudo.abs().max().item<float>() <= 1f);
    }

    [Fact]
    public void HandSetTinyModelGivesTheHandComputedValues()
    {
        using var model = new CVAE(new CvaeConfig { Channels = 1, Length = 2, LatentDim = 1, HiddenDims = new[] { 1 }, KernelSize = 3, SamplingFactor = 2 });
        var values = new Dictionary<string, float[]>
        {
            ["scale"] = new[] { 1f },
            ["encoder.0.layers.0.weight"] = new[] { 1f, 2f, 3f }, ["encoder.0.layers.0.bias"] = new[] { 0f },
            ["lsr.z_loc.weight"] = new[] { 0.5f }, ["lsr.z_loc.bias"] = new[] { -1f },
            ["lsr.z_log_var.0.weight"] = new[] { 0f }, ["lsr.z_log_var.0.bias"] = new[] { -10f },
            ["decoder.initial_layer.0.weight"] = new[] { 2f }, ["decoder.initial_layer.0.bias"] = new[] { -1f },
            ["decoder.deconv_layers.1.weight"] = new[] { 1f, 2f, 3f }, ["decoder.deconv_layers.1.bias"] = new[] { 0.5f },
        };
        using (no_grad())
        using (NewDisposeScope())
            foreach (var (name, parameter) in model.named_parameters())
                if (values.TryGetValue(name, out var v)) parameter.copy_(tensor(v).reshape(parameter.shape));

        using var scope = NewDisposeScope();
        var x = tensor(new[] { 1f, 3f }).reshape(1, 1, 2);
        // conv (cross-correlation, pad 1): [0,1,3,0] → [2+9, 1+6] = [11, 7]; mean 9; loc = 0.5·9 − 1 = 3.5.
        Assert.Equal(3.5f, model.PosteriorMean(x).item<float>(), 5);
        // log-var clamped at −6 by Hardtanh(−6, 2): scale = e^−3.
        Assert.Equal(MathF.Exp(-3f), model.PosteriorScale(x).item<float>(), 6);
        // decoder: ReLU(2·3.5 − 1) = 6, upsampled [6, 6], transposed conv (pad 1): [6·2 + 6·1, 6·3 + 6·2] + 0.5.
        var output = model.call(x);
        Assert.Equal(new[] { 18.5f, 30.5f }, output.Reconstruction.data<float>().ToArray());
        Assert.Same(output.Loc, output.Z);
    }

    [Fact]
    public void EvalModeIsDeterministicAndSamplingIsAvailable()
    {
        using var model = new CVAE(new CvaeConfig { Channels = 2, Length = 20, LatentDim = 4, Dropout = 0.5 });
        using var scope = NewDisposeScope();
        var x = randn(3, 2, 20);
        Assert.False(model.training);
        Assert.True(model.call(x).Reconstruction.equal(model.call(x).Reconstruction).all().item<bool>());
        model.SampleLatent = true;
        var sampled = model.call(x);
        Assert.False(sampled.Z.equal(sampled.Loc).all().item<bool>());
        model.train();
        var mean = model.PosteriorMean(x);
        Assert.True(model.training);
        model.eval();
        Assert.True(mean.equal(model.PosteriorMean(x)).all().item<bool>());
    }

    [Fact]
    public void ForwardHooksOnTheTargetConvFireDuringPosteriorMean()
    {
        using var model = new CVAE(SymbolsShape());
        var target = model.named_modules().Single(m => m.name == "encoder.0.layers.6").module as ChannelsLastConv1d;
        Tensor? captured = null;
        var handle = target!.register_forward_hook((_, _, output) => { captured = output.alias(); return output; });
        using var scope = NewDisposeScope();
        var loc = model.PosteriorMean(randn(4, 2, 60));
        Assert.NotNull(captured);
        Assert.Equal(new long[] { 4, 16, 60 }, captured!.shape);
        Assert.Equal(new long[] { 4, 16 }, loc.shape);
        handle.remove();
    }

    [Fact]
    public void ComplexStepDerivativeEqualsAutogradGradient()
    {
        torch.manual_seed(7);
        using var model = new CVAE(new CvaeConfig { Channels = 2, Length = 20, LatentDim = 3, HiddenDims = new[] { 4, 4, 4 }, KernelSize = 5, SamplingFactor = 5, Dropout = 0.1 });
        model.to(ScalarType.Float64);
        using var scope = NewDisposeScope();
        var x = randn(1, 2, 20, dtype: ScalarType.Float64);
        const double step = 1e-20;
        int inputs = 2 * 20;

        // One complex evaluation per input element, batched: row k perturbs element k by i·h.
        var perturbation = eye(inputs, dtype: ScalarType.Float64).reshape(inputs, 2, 20) * step;
        var complexInput = complex(x.expand(inputs, 2, 20), perturbation);
        var complexStep = model.PosteriorMeanComplex(complexInput).imag / step;          // (inputs, D): ∂loc_j/∂x_k
        Assert.True(model.PosteriorMeanComplex(complex(x, zeros_like(x))).real.allclose(model.PosteriorMean(x), rtol: 1e-12, atol: 1e-12));

        var input = x.clone().requires_grad_(true);
        var loc = model.PosteriorMean(input);
        for (int j = 0; j < 3; j++)
        {
            var gradient = autograd.grad(new[] { loc[0, j] }, new[] { input }, retain_graph: true)[0].reshape(inputs);
            double maxError = (complexStep[.., j] - gradient).abs().max().item<double>();
            Assert.True(maxError < 1e-9, $"latent {j}: max |complex-step − autograd| = {maxError}");
        }
    }
}
