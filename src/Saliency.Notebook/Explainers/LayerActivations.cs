using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>
/// Finds named layers of a module tree and records their outputs through forward hooks (TorchSharp has no backward
/// hooks: gradients are taken afterwards with <c>autograd.grad</c> on the recorded outputs). Each recorded output is
/// an <c>alias()</c>, because <c>Sequential</c> disposes its intermediate tensors. With <see cref="Replicas"/> &gt; 1 the
/// first hooked layer of a pass hands its output on repeated that many times along the batch axis, so the layers
/// before it run once while everything after it (and the gradients) sees one block of rows per latent target.
/// </summary>
internal sealed class LayerActivations : IDisposable
{
    private readonly string[] _names;
    private readonly List<Tensor>[] _recorded;
    private readonly List<Action> _removers = new();
    private bool _replicatedThisPass;

    /// <summary>How many times the first hooked layer of the next pass repeats its output along the batch axis (1: not at all).</summary>
    public long Replicas { get; set; } = 1;

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
                var result = output;
                if (Replicas > 1 && !_replicatedThisPass)
                {
                    var repeats = new long[output.dim()];
                    Array.Fill(repeats, 1L);
                    repeats[0] = Replicas;
                    result = output.repeat(repeats);
                    _replicatedThisPass = true;
                }
                _recorded[slot].Add(result.alias());
                return result;
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
        _replicatedThisPass = false;
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
