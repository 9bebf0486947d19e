using System.Runtime.InteropServices;

namespace Saliency.Cli.Commands;

/// <summary>
/// While alive, turns the first SIGINT or SIGTERM into a cancelled <see cref="Token"/> instead of an immediate exit, so a
/// notebook run stops its .NET Interactive kernel (the kernel's whole process tree), or the kit's <c>dotnet pack</c> before
/// it, before the tool exits and leaves nothing orphaned behind. A second signal ends the tool at once, as usual.
/// </summary>
internal sealed class TerminationSignals : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration[] _registrations;

    public TerminationSignals() =>
        _registrations = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }.Select(signal => PosixSignalRegistration.Create(signal, Handle)).ToArray();

    /// <summary>Cancelled when the first SIGINT or SIGTERM arrives.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>The shell's exit code for the signal that stopped the run: 128 + its number (130 for SIGINT, 143 for SIGTERM).</summary>
    public int ExitCode => Received == PosixSignal.SIGINT ? 130 : 143;

    /// <summary>The signal that cancelled <see cref="Token"/>, or null.</summary>
    public PosixSignal? Received { get; private set; }

    /// <summary>"stopped by SIGTERM" (or SIGINT), for the one line the command prints.</summary>
    public string Description => $"stopped by {Received}; the kernel, or the kit's pack, was stopped with it";

    private void Handle(PosixSignalContext context)
    {
        if (Received != null) return;
        Received = context.Signal;
        context.Cancel = true;
        _cancellation.Cancel();
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations) registration.Dispose();
        _cancellation.Dispose();
    }
}
