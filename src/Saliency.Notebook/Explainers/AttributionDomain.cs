using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>
/// A differentiable, invertible change of coordinates for cross-domain integrated gradients: integration runs on the
/// real coordinates u = Forward(x) and the model sees Inverse(u). Completeness holds whenever Inverse(Forward(x)) = x.
/// </summary>
public interface IAttributionDomain
{
    /// <summary>Short name, e.g. <c>time</c>, <c>fourier</c>.</summary>
    string Name { get; }

    /// <summary>Axis names of the attribution this domain reports (target axis last), e.g. <c>N,L,C,T</c>.</summary>
    string Layout { get; }

    /// <summary>Real coordinates u (B, …) of x (B, C, L).</summary>
    Tensor Forward(Tensor x);

    /// <summary>x (B, C, L) from real coordinates u (B, …); differentiable.</summary>
    Tensor Inverse(Tensor u, long length);

    /// <summary>Attribution per reported coordinate: from u-shaped (B, …) to (B, P, C), P = time steps or frequency bins.</summary>
    Tensor PerCoordinate(Tensor attributionInU);
}

/// <summary>The identity domain: integrated gradients on the time steps themselves (equals plain IG).</summary>
public sealed class TimeDomain : IAttributionDomain
{
    /// <summary>The shared instance.</summary>
    public static TimeDomain Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "time";

    /// <inheritdoc/>
    public string Layout => "N,L,C,T";

    /// <inheritdoc/>
    public Tensor Forward(Tensor x) => x.alias();

    /// <inheritdoc/>
    public Tensor Inverse(Tensor u, long length) => u;

    /// <inheritdoc/>
    public Tensor PerCoordinate(Tensor attributionInU) => attributionInU.permute(0, 2, 1);
}

/// <summary>
/// The Fourier domain: u = (Re, Im) of rfft(x) along time, (B, C, F, 2) with F = L/2 + 1; the model sees irfft(u, L).
/// The imaginary parts of DC (and of Nyquist for even L) are zero for real x and irfft ignores them, so their
/// gradient and attribution are 0. A bin's attribution is that of its real part plus that of its imaginary part,
/// reported as (N, F, C, T); completeness holds exactly for linear models and up to the quadrature error otherwise.
/// </summary>
public sealed class FourierDomain : IAttributionDomain
{
    /// <summary>The shared instance.</summary>
    public static FourierDomain Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "fourier";

    /// <inheritdoc/>
    public string Layout => "N,F,C,T";

    /// <inheritdoc/>
    public Tensor Forward(Tensor x) => torch.view_as_real(torch.fft.rfft(x, dim: -1)).contiguous();

    /// <inheritdoc/>
    public Tensor Inverse(Tensor u, long length) => torch.fft.irfft(torch.view_as_complex(u.contiguous()), length, dim: -1);

    /// <inheritdoc/>
    public Tensor PerCoordinate(Tensor attributionInU) => attributionInU.sum(-1).permute(0, 2, 1);
}
