using Saliency.Notebook.Native;

namespace Saliency.Cli.Commands;

/// <summary>Runs a command body so that a bad input (file, checkpoint, option) becomes one line on stderr and exit code 1, never a stack trace.</summary>
public static class CommandRunner
{
    public static int Run(string command, Action body) => Run(command, () =>
    {
        body();
        return 0;
    });

    public static int Run(string command, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or InvalidOperationException
                                      or NotSupportedException or FormatException or TorchLoadException)
        {
            string message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "") : e.Message;
            Console.Error.WriteLine($"saliency {command}: {message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }
}
