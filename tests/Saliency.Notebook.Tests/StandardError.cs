namespace Saliency.Notebook.Tests;

/// <summary>
/// Runs an in-process command with Console.Error captured. Console.Error is one per process, so the test classes that use this
/// belong to <see cref="NotebookSessionCollection"/>, whose tests do not run in parallel with each other.
/// </summary>
internal static class StandardError
{
    /// <summary>The exit code of <paramref name="run"/> and what it wrote to stderr.</summary>
    public static (int ExitCode, string Error) Capture(Func<int> run)
    {
        TextWriter original = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            return (run(), captured.ToString());
        }
        finally
        {
            Console.SetError(original);
        }
    }
}
