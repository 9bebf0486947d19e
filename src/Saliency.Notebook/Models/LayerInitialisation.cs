using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>
/// Re-initialising a model's layers as PyTorch initialises them, seeded: what model-randomisation tests (Adebayo et al.) need to
/// compare a trained model's explanations with a random model's, here so that the sanity checks and the evaluation share one rule.
/// </summary>
public static class LayerInitialisation
{
    /// <summary>
    /// PyTorch's default initialisation of Conv1d and Linear (kaiming_uniform_ with a = √5 and the matching bias rule): every
    /// parameter of the module uniform in ±1/√fan_in, fan_in = weight elements per output unit.
    /// </summary>
    public static void PyTorchDefault(nn.Module layer, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var parameters = layer.named_parameters(recurse: false).ToList();
        var weight = parameters.FirstOrDefault(p => p.name == "weight").parameter
                     ?? throw new ArgumentException($"{layer.GetType().Name} has no weight to derive fan_in from.", nameof(layer));
        double bound = 1 / Math.Sqrt(weight.numel() / weight.shape[0]);
        using var noGrad = no_grad();
        foreach (var (_, parameter) in parameters)
        {
            using var scope = NewDisposeScope();
            parameter.copy_((rand(parameter.shape, dtype: ScalarType.Float64, generator: generator) * 2 - 1) * bound);
        }
    }

    /// <summary>
    /// Re-initialises, with <see cref="PyTorchDefault"/>, every module of <paramref name="root"/> that holds its own weight (all of a
    /// model's learned layers), each from a generator seeded by <paramref name="seed"/> and its position, and returns the trained
    /// parameters' copies; dispose the result to put them back. The model is fully randomised until then.
    /// </summary>
    public static IDisposable RandomiseAll(nn.Module root, long seed)
    {
        ArgumentNullException.ThrowIfNull(root);
        var trained = root.named_parameters().Select(p => (p.parameter, Copy: p.parameter.detach().clone())).ToList();
        int position = 0;
        foreach (var (_, module) in root.named_modules())
        {
            if (!module.named_parameters(recurse: false).Any(p => p.name == "weight")) continue;
            using var generator = new Generator((ulong)(seed * 1000 + position++));
            PyTorchDefault(module, generator);
        }
        return new TrainedParameters(trained);
    }

    private sealed class TrainedParameters(List<(TorchSharp.Modules.Parameter Parameter, Tensor Copy)> trained) : IDisposable
    {
        public void Dispose()
        {
            using var noGrad = no_grad();
            foreach (var (parameter, copy) in trained)
            {
                parameter.copy_(copy);
                copy.Dispose();
            }
            trained.Clear();
        }
    }
}
