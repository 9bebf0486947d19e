using Saliency.Notebook.Native;

namespace Saliency.Cli.Commands;

/// <summary>Runs a model command body: a bad input (file, checkpoint, option) becomes a one-line error on stderr and exit code 1.</summary>
internal static class CommandErrors
{
    public static int Run(string command, Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException or InvalidOperationException or FormatException or TorchLoadException)
        {
            Console.Error.WriteLine($"saliency {command}: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }
}
