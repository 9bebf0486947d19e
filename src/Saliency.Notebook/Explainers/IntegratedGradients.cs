using Saliency.Notebook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>Quadrature rule for the path integral of integrated gradients.</summary>
public enum IntegrationRule
{
    /// <summary>Left Riemann sum: α = k/n, k = 0..n−1.</summary>
    RiemannLeft,
    /// <summary>Right Riemann sum: α = k/n, k = 1..n.</summary>
    RiemannRight,
    /// <summary>Midpoint Riemann sum: α = (k + ½)/n.</summary>
    RiemannMiddle,
    /// <summary>Trapezoid rule on α = k/(n−1), k = 0..n−1 (end points weighted ½).</summary>
    Trapezoid,
}

/// <summary>
/// Integrated gradients in a chosen domain (Sundararajan et al.; cross-domain after Kechris et al.): with
/// u = domain.Forward(x), u₀ = domain.Forward(baseline), attr = (u − u₀) · Σ_s w_s ∇_u f(domain.Inverse(u₀ + α_s (u − u₀))),
/// f = z · W[j] per target. The steps are batched together (rows = steps × samples, at most batchSize per pass, the steps
/// chunked when needed); each pass goes forward once and back once per target (<see cref="InputGradients.OfTargets"/>). The completeness error Σ attr − (f(x) − f(baseline)) is
/// reported per sample and target in <see cref="Attribution.CompletenessError"/>.
/// </summary>
public class CrossDomainIntegratedGradients : LatentExplainer
{
    /// <summary>A shared (C, L) baseline as host values (float64, C order), or null for zeros: no native tensor to dispose.</summary>
    private readonly double[]? _baseline;
    private readonly long[]? _baselineShape;

    /// <summary>
    /// IG over <paramref name="domain"/> with <paramref name="steps"/> quadrature points; the baseline is zeros unless
    /// <paramref name="baseline"/> (C, L) is given (its values are copied to the host, so the caller keeps ownership of the tensor
    /// and the explainer holds nothing to dispose; e.g. the dataset mean). Per-sample baselines: the
    /// <see cref="Attribute(Tensor, Tensor, LatentTarget?, int?)"/> overload.
    /// </summary>
    public CrossDomainIntegratedGradients(ILatentEncoder model, IAttributionDomain domain, int steps = IntegratedGradients.DefaultSteps,
        IntegrationRule rule = IntegrationRule.Trapezoid, Tensor? baseline = null) : base(model)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (steps < (rule == IntegrationRule.Trapezoid ? 2 : 1))
            throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be at least 1 (2 for the trapezoid rule).");
        if (baseline is not null && baseline.dim() != 2)
            throw new ArgumentException($"A shared baseline must be (C, L); got shape [{string.Join(", ", baseline.shape)}].", nameof(baseline));
        Domain = domain;
        Steps = steps;
        Rule = rule;
        if (baseline is not null)
        {
            using var scope = torch.NewDisposeScope();   // the detach/convert/copy intermediates go with it
            _baseline = baseline.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
            _baselineShape = baseline.shape;
        }
    }

    /// <summary>The coordinates the path integral runs in.</summary>
    public IAttributionDomain Domain { get; }

    /// <summary>Number of quadrature points.</summary>
    public int Steps { get; }

    /// <summary>The quadrature rule.</summary>
    public IntegrationRule Rule { get; }

    /// <inheritdoc/>
    protected override string Layout => Domain.Layout;

    /// <inheritdoc/>
    public override string Method => Domain is FourierDomain ? "fourier-ig" : Domain is TimeDomain ? "ig" : $"ig-{Domain.Name}";

    /// <inheritdoc/>
    public override string Settings =>
        $"integrated gradients{(Domain is TimeDomain ? "" : Domain is FourierDomain ? " in the Fourier domain (rfft bins)" : $" in the {Domain.Name} domain")}, {(_baseline is null ? "zero" : "given")} baseline, {Steps} {Rule.ToString().ToLowerInvariant()} steps";

    /// <inheritdoc/>
    public override AttributionAxis Axis => Domain.Layout.Contains('F') ? AttributionAxis.Frequency : AttributionAxis.Time;

    /// <summary>Explains x (N, C, L) against per-sample baselines (N, C, L) towards <paramref name="targets"/> (default: every latent dimension).</summary>
    public Attribution Attribute(Tensor x, Tensor baselines, LatentTarget? targets = null, int? batchSize = null)
    {
        ArgumentNullException.ThrowIfNull(baselines);
        return Run(x, baselines, targets ?? LatentTarget.AllDimensions, batchSize, null, null);
    }

    /// <summary>Quadrature points α_s and weights w_s of the rule (weights sum to 1).</summary>
    public (double[] Alphas, double[] Weights) Quadrature()
    {
        int n = Steps;
        var alphas = new double[n];
        var weights = new double[n];
        for (int k = 0; k < n; k++)
        {
            (alphas[k], weights[k]) = Rule switch
            {
                IntegrationRule.RiemannLeft => ((double)k / n, 1.0 / n),
                IntegrationRule.RiemannRight => ((double)(k + 1) / n, 1.0 / n),
                IntegrationRule.RiemannMiddle => ((k + 0.5) / n, 1.0 / n),
                _ => ((double)k / (n - 1), (k == 0 || k == n - 1 ? 0.5 : 1.0) / (n - 1)),
            };
        }
        return (alphas, weights);
    }

    /// <inheritdoc/>
    protected override int RowsPerSample(ILatentEncoder model) => Steps;

    /// <inheritdoc/>
    protected override BatchAttribution ExplainBatch(ILatentEncoder model, Tensor x, Tensor? baseline, Tensor targetWeights, int batchSize)
    {
        long samples = x.shape[0], targets = targetWeights.shape[0], length = x.shape[2];
        // Created inside the chunk's dispose scope (LatentExplainer), so the shared baseline's device copy is freed with the chunk.
        var start = baseline?.to(x.dtype) ?? (_baseline is null
            ? torch.zeros_like(x)
            : torch.tensor(_baseline, _baselineShape!, dtype: x.dtype, device: x.device).unsqueeze(0).expand(samples, -1, -1));
        var u = Domain.Forward(x.detach());
        var u0 = Domain.Forward(start.detach());
        var delta = u - u0;
        long[] coordinateShape = u.shape.Skip(1).ToArray();
        var (alphas, weights) = Quadrature();

        var gradientSum = torch.zeros(new[] { targets, samples }.Concat(coordinateShape).ToArray(), dtype: u.dtype, device: u.device);
        long stepsPerPass = Math.Max(1, batchSize / samples);
        for (long first = 0; first < Steps; first += stepsPerPass)
        {
            using var passScope = torch.NewDisposeScope();                                         // frees the pass's path rows before the next
            long count = Math.Min(stepsPerPass, Steps - first);
            var alpha = torch.tensor(alphas.Skip((int)first).Take((int)count).ToArray(), dtype: u.dtype, device: u.device);
            var weight = torch.tensor(weights.Skip((int)first).Take((int)count).ToArray(), dtype: u.dtype, device: u.device);
            var broadcast = new[] { count, 1L }.Concat(coordinateShape.Select(_ => 1L)).ToArray();
            var path = u0.unsqueeze(0) + alpha.view(broadcast) * delta.unsqueeze(0);                 // (S, B, …)
            var rows = path.reshape(new[] { count * samples }.Concat(coordinateShape).ToArray());
            var gradients = InputGradients.OfTargets(model, rows, targetWeights, batchSize, input => Domain.Inverse(input, length))
                .view(new[] { targets, count, samples }.Concat(coordinateShape).ToArray());
            var stepWeights = weight.view(new[] { 1L, count, 1L }.Concat(coordinateShape.Select(_ => 1L)).ToArray());
            gradientSum.add_((gradients * stepWeights).sum(1));
        }

        var attributionInU = delta.unsqueeze(0) * gradientSum;                                     // (T, B, …)
        var perCoordinate = Domain.PerCoordinate(attributionInU.reshape(new[] { targets * samples }.Concat(coordinateShape).ToArray()));
        var values = perCoordinate.view(targets, samples, perCoordinate.shape[1], perCoordinate.shape[2]).permute(1, 2, 3, 0);

        Tensor completeness;
        using (torch.no_grad())
        {
            var ends = model.PosteriorMean(Domain.Inverse(torch.cat(new[] { u, u0 }, 0), length));
            var f = ends.to(targetWeights.dtype).matmul(targetWeights.t());                       // (2B, T)
            var change = f.narrow(0, 0, samples) - f.narrow(0, samples, samples);
            completeness = values.sum(new long[] { 1, 2 }) - change;
        }
        return new BatchAttribution(values, completeness);
    }
}

/// <summary>
/// Integrated gradients on the input itself (the time domain): attr = (x − x₀) · ∫ ∂f/∂x along the straight path,
/// baseline zeros by default. Result (N, L, C, T) with completeness errors (N, T).
/// </summary>
public sealed class IntegratedGradients : CrossDomainIntegratedGradients
{
    /// <summary>
    /// The kit's default number of trapezoid points (every IG method, the CLI and the sanity checks). Measured on the authors'
    /// symbols checkpoint (64 samples, all 16 latent dims, zero baseline), the completeness error relative to the largest
    /// |f(x) − f(0)| is 6.4e-2 at 16 steps, 1.2e-2 at 32, 7.4e-3 at 50 and 7.1e-3 at 64: 50 is the fewest steps under 1%, and
    /// more buy almost nothing (the remaining error comes from the ReLU kinks, not the quadrature). It is also Captum's default.
    /// </summary>
    public const int DefaultSteps = 50;

    /// <summary>IG with <paramref name="steps"/> points of <paramref name="rule"/>; <paramref name="baseline"/> (C, L) or zeros.</summary>
    public IntegratedGradients(ILatentEncoder model, int steps = DefaultSteps, IntegrationRule rule = IntegrationRule.Trapezoid, Tensor? baseline = null)
        : base(model, TimeDomain.Instance, steps, rule, baseline) { }
}

/// <summary>
/// Integrated gradients in the Fourier domain (Kechris et al.'s cross-domain IG): the path runs over the rfft coefficients of x
/// from a zero baseline, and the attribution is per frequency bin and channel, (N, L/2 + 1, C, T).
/// </summary>
public sealed class FourierIntegratedGradients : CrossDomainIntegratedGradients
{
    /// <summary>Fourier IG of <paramref name="model"/> with <paramref name="steps"/> trapezoid steps from <paramref name="baseline"/> (C, L) (default zeros).</summary>
    public FourierIntegratedGradients(ILatentEncoder model, int steps = IntegratedGradients.DefaultSteps, IntegrationRule rule = IntegrationRule.Trapezoid,
        Tensor? baseline = null) : base(model, FourierDomain.Instance, steps, rule, baseline) { }
}
