using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using Saliency.Notebook.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Explainers;

/// <summary>
/// The authors' symbols checkpoint in PyTorch itself (Debian's python3-torch, the CVAE encoder rebuilt from the checkpoint's
/// state_dict as the paper's code defines it): posterior means, |GradCAM| of the last conv and the input gradient towards every
/// latent dimension, against the kit's registry methods on the same samples.
/// </summary>
public class PyTorchReferenceTests
{
    /// <summary>
    /// The symbols encoder in PyTorch, from the checkpoint <c>inp["ckpt"]</c>'s state_dict as the paper's code defines it:
    /// <c>encode(x)</c> (N, C, L) float32 → (posterior means (N, D), the last conv's activations (N, K, L)).
    /// </summary>
    internal const string SymbolsEncoder = """
        import torch
        torch.set_grad_enabled(True)
        sd = torch.load(inp["ckpt"], map_location="cpu")["state_dict"]
        def encode(x):
            a = x
            for i in (0, 3, 6):
                a = torch.nn.functional.conv1d(a, sd[f"encoder.0.layers.{i}.weight"], sd[f"encoder.0.layers.{i}.bias"], padding="same")
                if i != 6: a = torch.relu(a)
                else: act = a
            h = torch.nn.functional.avg_pool1d(act, 10).flatten(1)
            return h @ sd["lsr.z_loc.weight"].T + sd["lsr.z_loc.bias"], act

        """;

    /// <summary>The script: inputs ckpt, data (the stored .npy) and rows; outputs loc (N, D) and raveled gradcam (N, L, D) and gradient (N, L, C, D).</summary>
    internal const string Reference = SymbolsEncoder + """
        x = torch.tensor(np.swapaxes(np.load(inp["data"]), 1, 2)[inp["rows"]], dtype=torch.float32)
        x.requires_grad_(True)
        loc, act = encode(x)
        cams, grads = [], []
        for i in range(loc.shape[1]):
            g, gx = torch.autograd.grad(loc[:, i].sum(), [act, x], retain_graph=True)
            cams.append((g.mean(dim=2, keepdim=True) * act).sum(dim=1).abs())
            grads.append(gx.permute(0, 2, 1))
        out = {"loc": loc.detach().numpy(), "gradcam": torch.stack(cams, dim=2).detach().numpy().ravel(),
               "gradient": torch.stack(grads, dim=3).detach().numpy().ravel()}
        """;

    [Fact]
    public void Posterior_means_gradcam_and_input_gradients_equal_pytorch_on_the_symbols_checkpoint()
    {
        long[] rows = Enumerable.Range(0, 40).Select(i => (long)i * 27).ToArray();   // spread over originals and augmentations
        var reference = PythonReference.Run(Reference, new
        {
            ckpt = OriginalFiles.Checkpoint("symbols"),
            data = Path.Combine(TestData.DataDirectory, "symbols", "augmented_symbols.npy"),
            rows,
        });
        using var scope = NewDisposeScope();
        using var loaded = ModelStore.Load(OriginalFiles.Checkpoint("symbols"));
        var x = OriginalFiles.Series("symbols/augmented_symbols.npy").index_select(0, tensor(rows));

        var loc = loaded.Model.PosteriorMeans(x, CPU);
        AssertClose(PythonReference.Matrix(reference.GetProperty("loc")).Cast<double>().ToArray(), loc, 2e-6, "posterior means");
        using var gradCam = MethodRegistry.GradCam.Create(loaded.Model).Attribute(x, LatentTarget.AllDimensions);
        AssertClose(PythonReference.Doubles(reference.GetProperty("gradcam")), gradCam.Values, 2e-6, "|GradCAM| (N, L, D)");
        using var gradient = MethodRegistry.Gradient.Create(loaded.Model).Attribute(x, LatentTarget.AllDimensions);
        AssertClose(PythonReference.Doubles(reference.GetProperty("gradient")), gradient.Values, 2e-6, "∂z/∂x (N, L, C, D)");
    }

    /// <summary>Max |difference| within <paramref name="relative"/> of the reference's largest |value|.</summary>
    private static void AssertClose(double[] expected, Tensor actual, double relative, string what)
    {
        using var host = actual.detach().to(ScalarType.Float64).cpu().contiguous();
        double[] values = host.data<double>().ToArray();
        Assert.Equal(expected.Length, values.Length);
        double scale = expected.Max(Math.Abs), worst = expected.Zip(values, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= relative * scale, $"{what}: max |kit − PyTorch| = {worst:E3}, {worst / scale:E2} of the largest |value| {scale:E3}");
    }
}
