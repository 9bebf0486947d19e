using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>
/// Finds named layers of a module tree and records their outputs through forward hooks (TorchSharp has no backward
/// hooks: gradients are taken afterwards with <c>autograd.grad</c> on the recorded outputs). Each recorded output is
/// an <c>alias()</c>, because <c>Sequential</c> disposes its intermediate tensors.
/// </summary>
internal sealed class LayerActivations : IDisposable
{
    private readonly string[] _names;
    private readonly List<Tensor>[] _recorded;
    private readonly List<Action> _removers = new();

    public LayerActivations(nn.Module root, IReadOnlyList<string> layerNames)
    {
        _names = layerNames.ToArray();
        _recorded = _names.Select(_ => new List<Tensor>()).ToArray();
        for (int i = 0; i < _names.Length; i++)
        {
            int slot = i;
            var layer = Find(root, _names[i]);
            var remover = layer.register_forward_hook((_, _, output) =>
            {
                _recorded[slot].Add(output.alias());
                return output;
            });
            _removers.Add(remover.remove);
        }
    }

    /// <summary>The layer called <paramref name="name"/> as a tensor-to-tensor module, or an error listing the layers there are.</summary>
    public static nn.Module<Tensor, Tensor> Find(nn.Module root, string name)
    {
        ArgumentNullException.ThrowIfNull(root);
        var modules = root.named_modules().Where(m => m.Item1.Length > 0).ToList();
        var match = modules.FirstOrDefault(m => m.Item1 == name).Item2;
        if (match is null)
            throw new ArgumentException(
                $"The model has no layer named '{name}'. Available layers: {string.Join(", ", modules.Select(m => $"{m.Item1} ({m.Item2.GetType().Name})"))}.",
                nameof(name));
        return match as nn.Module<Tensor, Tensor>
               ?? throw new ArgumentException($"Layer '{name}' ({match.GetType().Name}) does not map one tensor to one tensor, so it cannot be hooked.", nameof(name));
    }

    /// <summary>
    /// The output each layer produced during the last forward pass, then forgets them. Throws when a layer did not
    /// run or ran more than once (a shared module: its activation would be ambiguous).
    /// </summary>
    public Tensor[] Take()
    {
        var result = new Tensor[_names.Length];
        for (int i = 0; i < _names.Length; i++)
        {
            var calls = _recorded[i];
            if (calls.Count != 1)
            {
                int count = calls.Count;
                calls.Clear();
                throw new InvalidOperationException(count == 0
                    ? $"Layer '{_names[i]}' did not run during PosteriorMean: it is not on the encoder path, or it is invoked with forward() instead of call(), which skips hooks."
                    : $"Layer '{_names[i]}' ran {count} times in one PosteriorMean (a shared module); pick a layer that runs once.");
            }
            result[i] = calls[0];
            calls.Clear();
        }
        return result;
    }

    public void Dispose()
    {
        foreach (var remove in _removers) remove();
        foreach (var calls in _recorded) calls.Clear();
    }
}
