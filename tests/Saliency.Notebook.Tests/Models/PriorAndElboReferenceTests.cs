using Saliency.Notebook.Models;
using Saliency.Notebook.Tests.Training;
using Saliency.Notebook.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Models;

/// <summary>
/// The priors' log-densities and the training loss (negative ELBO) against torch.distributions in PyTorch itself (Debian's
/// python3-torch 1.13, see <see cref="PythonReference"/>): Independent(Normal) for the standard prior and the posterior,
/// MixtureSameFamily(Categorical, Independent(Normal)) for the VampPrior, Normal for the decoder likelihood. Float64 throughout,
/// with random non-trivial parameters (a shifted, scaled "standard" prior, unequal mixture weights, log-variances past the
/// Hardtanh clamp, a decoder σ ≠ 1), so a swapped loc/scale, a missing clamp or a misplaced coefficient shows.
/// </summary>
[Collection(GlobalTorchRandomness.Name)] // the loss test seeds torch's global generator twice and needs the same draws both times
public class PriorAndElboReferenceTests
{
    private static double[] Values(Tensor t)
    {
        using var host = t.detach().cpu().to(ScalarType.Float64).contiguous();
        return host.data<double>().ToArray();
    }

    private static object Export(Tensor t) => new { v = Values(t), s = t.shape };

    private static void AssertClose(double[] expected, Tensor actual, double relative, string what)
    {
        double[] values = Values(actual);
        Assert.Equal(expected.Length, values.Length);
        // Each entry within relative·max(1, |expected|): the rows far from the prior (|log p| ~ 10⁴) do not loosen the others.
        double worst = expected.Zip(values, (e, a) => Math.Abs(e - a) / Math.Max(1, Math.Abs(e))).Max();
        Assert.True(worst <= relative, $"{what}: max |kit − torch.distributions| / max(1, |value|) = {worst:E3}; expected [{string.Join(", ", expected)}], got [{string.Join(", ", values)}]");
    }

    private const string Prelude = """
        import torch
        from torch.distributions import Normal, Independent, Categorical, MixtureSameFamily
        torch.set_default_dtype(torch.float64)
        def t(d): return torch.tensor(d["v"], dtype=torch.float64).reshape(d["s"])

        """;

    [Fact]
    public void The_standard_priors_log_density_equals_torch_distributions()
    {
        using var scope = NewDisposeScope();
        using var model = new CVAE(new CvaeConfig { Channels = 2, Length = 20, LatentDim = 4, Dropout = 0 });
        model.to(ScalarType.Float64);
        var generator = new Generator(31);
        var state = model.state_dict();
        using (no_grad())
        {
            state["lsr.prior_loc"].copy_(randn(1, 4, dtype: ScalarType.Float64, generator: generator));
            state["lsr.prior_log_var"].copy_(randn(1, 4, dtype: ScalarType.Float64, generator: generator));
        }
        var z = randn(7, 4, dtype: ScalarType.Float64, generator: generator) * 2;
        var reference = PythonReference.Run(Prelude + """
            p = Independent(Normal(t(inp["loc"]), torch.exp(t(inp["log_var"]) / 2)), 1)
            out = p.log_prob(t(inp["z"])).numpy()
            """, new { loc = Export(state["lsr.prior_loc"]), log_var = Export(state["lsr.prior_log_var"]), z = Export(z) });
        AssertClose(PythonReference.Doubles(reference), model.PriorLogDensity(z), 1e-13, "standard prior log p(z)");
    }

    [Fact]
    public void The_VampPriors_log_density_equals_a_torch_mixture_of_the_encoded_pseudo_inputs()
    {
        using var scope = NewDisposeScope();
        const int encoded = 6, latent = 4, components = 5, channels = 2, length = 3;
        using var head = new VampPriorLatentHead(encoded, latent, components, channels, length);
        head.to(ScalarType.Float64);
        var generator = new Generator(37);
        var state = head.state_dict();
        using (no_grad())
            foreach (var (name, parameter) in state)
                // Large z_log_var weights push some log-variances past the Hardtanh(−6, 6) clamp.
                parameter.copy_(randn(parameter.shape, dtype: ScalarType.Float64, generator: generator) * (name.StartsWith("z_log_var") ? 8 : 1));
        // A stand-in encoder x (K, C, L) → h (K, H), known to both sides: tanh(flatten(x)·E).
        var e = randn(channels * length, encoded, dtype: ScalarType.Float64, generator: generator);
        Tensor Encode(Tensor x) => x.flatten(1).matmul(e).tanh();
        var z = randn(6, latent, dtype: ScalarType.Float64, generator: generator) * torch.tensor(new[] { 1.0, 1, 1, 1, 3, 30 }, dtype: ScalarType.Float64).unsqueeze(1);

        var clamped = head.ZLogVar.call(Encode(head.PseudoInputs()));
        Assert.True(clamped.abs().eq(6).any().item<bool>(), "the test needs clamped log-variances");

        var reference = PythonReference.Run(Prelude + """
            sd = {k: t(v) for k, v in inp["state"].items()}
            idle = torch.eye(inp["K"])
            a = torch.relu(idle @ sd["pseudo_inputs_NN.0.weight"].T + sd["pseudo_inputs_NN.0.bias"])
            u = torch.nn.functional.hardtanh(a @ sd["pseudo_inputs_NN.2.weight"].T + sd["pseudo_inputs_NN.2.bias"], -1, 1).reshape(inp["K"], inp["C"], inp["L"])
            h = torch.tanh(u.flatten(1) @ t(inp["E"]))
            means = h @ sd["z_loc.weight"].T + sd["z_loc.bias"]
            log_var = torch.nn.functional.hardtanh(h @ sd["z_log_var.0.weight"].T + sd["z_log_var.0.bias"], -6, 6)
            prior = MixtureSameFamily(Categorical(logits=sd["prior_weights"].reshape(-1)), Independent(Normal(means, torch.exp(log_var / 2)), 1))
            out = {"log_p": prior.log_prob(t(inp["z"])).numpy(), "pseudo": u.numpy().ravel()}
            """, new
        {
            state = state.ToDictionary(p => p.Key, p => Export(p.Value)),
            K = components, C = channels, L = length, E = Export(e), z = Export(z),
        });
        AssertClose(PythonReference.Doubles(reference.GetProperty("pseudo")), head.PseudoInputs(), 1e-13, "pseudo-inputs (K, C, L)");
        AssertClose(PythonReference.Doubles(reference.GetProperty("log_p")), head.PriorLogDensity(z, Encode), 1e-12, "VampPrior log p(z)");
    }

    [Fact]
    public void The_training_loss_is_the_mean_negative_elbo_by_torch_distributions_at_the_sampled_z()
    {
        using var scope = NewDisposeScope();
        const double kld = 0.3, llv = 1.7;
        using var model = new CVAE(new CvaeConfig { Channels = 2, Length = 20, LatentDim = 4, Dropout = 0 });
        model.to(ScalarType.Float64);
        var generator = new Generator(41);
        var state = model.state_dict();
        using (no_grad())
        {
            state["scale"].fill_(0.7);
            state["lsr.prior_loc"].copy_(randn(1, 4, dtype: ScalarType.Float64, generator: generator));
            state["lsr.prior_log_var"].copy_(randn(1, 4, dtype: ScalarType.Float64, generator: generator));
        }
        var x = randn(5, 2, 20, dtype: ScalarType.Float64, generator: generator);
        model.SampleLatent = true;                          // z drawn from q(z|x), as in training, but without dropout's draws

        torch.manual_seed(43);
        using var output = model.call(x);
        torch.manual_seed(43);
        var loss = Trainer.Loss(model, x, kld, llv);
        Assert.False(output.Z.allclose(output.Loc), "the test needs a sampled z");

        var reference = PythonReference.Run(Prelude + """
            x, z = t(inp["x"]), t(inp["z"])
            q = Independent(Normal(t(inp["loc"]), t(inp["scale"])), 1)
            p = Independent(Normal(t(inp["prior_loc"]), torch.exp(t(inp["prior_log_var"]) / 2)), 1)
            nll = -Normal(t(inp["recon"]), t(inp["sigma"])).log_prob(x).sum(dim=(1, 2))
            out = (inp["kld"] * (q.log_prob(z) - p.log_prob(z)) + inp["llv"] * nll).mean().item()
            """, new
        {
            x = Export(x), z = Export(output.Z), loc = Export(output.Loc), scale = Export(output.Scale), recon = Export(output.Reconstruction),
            sigma = Export(model.DecoderScale), prior_loc = Export(state["lsr.prior_loc"]), prior_log_var = Export(state["lsr.prior_log_var"]), kld, llv,
        });
        AssertClose([reference.GetDouble()], loss, 1e-12, "negative ELBO");
    }
}
