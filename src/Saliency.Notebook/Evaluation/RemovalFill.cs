using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Evaluation;

/// <summary>How removed time steps are filled: ROAD's noisy linear imputation, or one constant (the paper's −1).</summary>
public enum FillKind
{
    /// <summary>Linear interpolation between the nearest kept steps plus Gaussian noise (Rong et al. 2022).</summary>
    NoisyLinear,
    /// <summary>A constant value (the paper's masking check fills −1).</summary>
    Constant,
}

/// <summary>
/// What a removed time step of a series becomes when an evaluation deletes or has not yet restored it. The default is ROAD's noisy
/// linear imputation (Rong et al. 2022, "A Consistent and Efficient Evaluation Strategy for Attribution Methods", its
/// <c>NoisyLinearImputer</c>): each removed value is the weighted mean of its neighbours, kept or removed, found by solving one linear
/// system, then Gaussian noise of standard deviation <see cref="Noise"/> is added, so the removal order cannot leak through the fill's
/// shape. On a series ROAD's 8-neighbour image stencil becomes the two time neighbours with equal weights, and that system's solution
/// is closed-form: linear interpolation between the nearest kept steps on either side, the nearest kept value beyond the first or
/// last kept step (a boundary step has one neighbour). Where this differs from ROAD: with no kept step at all ROAD's system is
/// singular (any constant solves it); the kit takes the series' own per-channel mean as that constant. The noise is absolute, in the
/// data's units, as ROAD's 0.01 is.
/// </summary>
public sealed record RemovalFill
{
    private RemovalFill(FillKind kind, double noise, double value)
    {
        Kind = kind;
        Noise = noise;
        Value = value;
    }

    /// <summary>ROAD's noisy linear imputation with noise of standard deviation <paramref name="noise"/> (ROAD's default 0.01).</summary>
    public static RemovalFill NoisyLinear(double noise = 0.01) =>
        noise >= 0 && double.IsFinite(noise) ? new(FillKind.NoisyLinear, noise, 0)
            : throw new ArgumentOutOfRangeException(nameof(noise), noise, "The imputation noise must be a finite standard deviation ≥ 0.");

    /// <summary>A constant fill (the paper's masking check uses −1).</summary>
    public static RemovalFill Constant(double value = -1) =>
        double.IsFinite(value) ? new(FillKind.Constant, 0, value) : throw new ArgumentOutOfRangeException(nameof(value), value, "The fill value must be finite.");

    /// <summary>Which fill.</summary>
    public FillKind Kind { get; }

    /// <summary>Standard deviation of the noise added to imputed steps (noisy linear only).</summary>
    public double Noise { get; }

    /// <summary>The constant (constant fill only).</summary>
    public double Value { get; }

    /// <summary>
    /// x (B, C, L) with the steps where <paramref name="keep"/> (B, L, bool) is false filled; <paramref name="standardNormal"/>
    /// (B, C, L), the noise before scaling, is needed for the noisy linear fill (pass the same draw to compare methods on one noise).
    /// </summary>
    public Tensor Apply(Tensor x, Tensor keep, Tensor? standardNormal)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(keep);
        if (x.dim() != 3 || keep.dim() != 2 || keep.shape[0] != x.shape[0] || keep.shape[1] != x.shape[2])
            throw new ArgumentException($"Expected x (B, C, L) and keep (B, L); got [{string.Join(", ", x.shape)}] and [{string.Join(", ", keep.shape)}].");
        using var scope = NewDisposeScope();
        var kept = keep.to(ScalarType.Bool).unsqueeze(1);
        if (Kind == FillKind.Constant) return where(kept, x, full_like(x, Value)).MoveToOuterDisposeScope();
        if (standardNormal is null || !standardNormal.shape.SequenceEqual(x.shape))
            throw new ArgumentException("The noisy linear fill needs standard normal noise of x's shape.", nameof(standardNormal));
        return where(kept, x, Interpolate(x, keep.to(ScalarType.Bool)) + standardNormal.to(x.dtype) * Noise).MoveToOuterDisposeScope();
    }

    /// <summary>The noise-free solution of ROAD's system on a series: linear between kept neighbours, constant beyond them, the mean when none is kept.</summary>
    private static Tensor Interpolate(Tensor x, Tensor keep)
    {
        long b = x.shape[0], c = x.shape[1], l = x.shape[2];
        var position = arange(l, dtype: ScalarType.Int64, device: x.device).unsqueeze(0).expand(b, l);
        var previous = where(keep, position, -1L).cummax(1).values;                                          // last kept step ≤ t, −1 if none
        var reversedIndex = where(keep.flip(1), position, -1L).cummax(1).values;                             // last kept step from the end
        var next = where(reversedIndex >= 0, (l - 1) - reversedIndex, l).flip(1);                            // first kept step ≥ t, L if none
        var hasPrevious = (previous >= 0).unsqueeze(1);
        var hasNext = (next < l).unsqueeze(1);
        var left = x.gather(2, previous.clamp_min(0).unsqueeze(1).expand(b, c, l));
        var right = x.gather(2, next.clamp_max(l - 1).unsqueeze(1).expand(b, c, l));
        var weight = ((position - previous).to(x.dtype) / (next - previous).clamp_min(1).to(x.dtype)).unsqueeze(1);
        var between = left + weight * (right - left);
        var mean = x.mean([2], keepdim: true).expand(b, c, l);
        return where(hasPrevious & hasNext, between, where(hasPrevious, left, where(hasNext, right, mean)));
    }

    /// <inheritdoc/>
    public override string ToString() => Kind == FillKind.NoisyLinear
        ? FormattableString.Invariant($"ROAD noisy linear imputation (noise σ = {Noise})")
        : FormattableString.Invariant($"constant {Value}");
}
