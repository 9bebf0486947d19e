namespace Saliency.Notebook.Tests.Cli;

/// <summary>
/// In-process runs of commands that show a Spectre.Console live display (explain's and pipeline's status line) take turns here:
/// Spectre allows one live display per process and throws on a second, which the command reports as exit 1.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CliLiveDisplayCollection
{
    public const string Name = "CLI live display";
}
