using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>
/// Guided backpropagation (Springenberg et al.): the input gradient with every ReLU's backward replaced by
/// (forward output &gt; 0) · max(grad, 0). Each nn.ReLU module of the model gets, for the duration of the call, a
/// forward hook that swaps its output for <see cref="GuidedRelu"/> (a TorchSharp custom autograd function with the
/// same forward and the guided backward). Result (N, L, C, T).
/// </summary>
public sealed class GuidedBackprop : InputGradientExplainer
{
    /// <summary>Guided backpropagation of <paramref name="model"/>, which must have nn.ReLU modules.</summary>
    public GuidedBackprop(ILatentEncoder model) : base(model)
    {
        if (!ReluModules(model).Any())
            throw new ArgumentException("Guided backpropagation needs nn.ReLU modules in the model's Root; this model has none (a functional relu cannot be guided).", nameof(model));
    }

    /// <inheritdoc/>
    public override string Method => "guided";

    /// <inheritdoc/>
    public override string Settings => "guided backpropagation";

    /// <inheritdoc/>
    protected override Tensor Combine(Tensor x, Tensor gradients) => gradients;

    /// <inheritdoc/>
    protected override Tensor TargetGradients(ILatentEncoder model, Tensor x, Tensor targetWeights, int batchSize)
    {
        var removers = ReluModules(model)
            .Select(relu => relu.register_forward_hook((_, input, _) => GuidedRelu.apply(input)))
            .ToList();
        try
        {
            return base.TargetGradients(model, x, targetWeights, batchSize);
        }
        finally
        {
            foreach (var remover in removers) remover.remove();
        }
    }

    private static IEnumerable<TorchSharp.Modules.ReLU> ReluModules(ILatentEncoder model) =>
        model.Root.named_modules().Select(m => m.Item2).OfType<TorchSharp.Modules.ReLU>().Distinct();

    /// <summary>ReLU whose backward is the guided rule: grad_in = (y &gt; 0) · max(grad_out, 0).</summary>
    internal sealed class GuidedRelu : torch.autograd.SingleTensorFunction<GuidedRelu>
    {
        public override string Name => nameof(GuidedRelu);

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var output = ((Tensor)vars[0]).relu();
            // The mask (y > 0) is made once here, not in every backward pass: the methods go back once per target.
            ctx.save_for_backward(new List<Tensor> { output.gt(0).to(output.dtype) });
            return output;
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var positive = ctx.get_saved_variables()[0];
            return new List<Tensor> { gradOutput.clamp_min(0).mul_(positive) };
        }
    }
}
