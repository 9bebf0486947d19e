using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using Saliency.Cli.Commands;

namespace Saliency.Notebook.Tests.Cli;

/// <summary>
/// The Slurm script and the Kubernetes manifests of docs/scale-out.md call commands the tool has: every <c>saliency pipeline moments|fit|maps|merge</c>
/// line of the page (shell lines with their variables filled in, and the manifests' command arrays) parses without an error.
/// </summary>
public partial class ScaleOutDocsTests
{
    private static readonly Dictionary<string, string> ShellVariables = new()
    {
        ["$KIT/saliency"] = "saliency", ["$DATA"] = "--data series.npy --labels labels.npy --plot-kind trajectory", ["$MODEL"] = "models/aircraft",
        ["$PARTS"] = "run/parts", ["$RUN"] = "run", ["$N"] = "16",
    };

    [Fact]
    public void Every_pipeline_command_of_the_page_parses()
    {
        string page = File.ReadAllText(Path.Combine(TestData.RepoRoot, "docs", "scale-out.md"));
        var commands = new List<string[]>();
        foreach (Match line in ShellCommand().Matches(page))
        {
            string text = line.Value;
            foreach (var (variable, value) in ShellVariables.OrderByDescending(v => v.Key.Length)) text = text.Replace(variable, value, StringComparison.Ordinal);
            commands.Add(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray());
        }
        foreach (Match array in CommandArray().Matches(page))
            commands.Add(JsonSerializer.Deserialize<string[]>(Regex.Replace(array.Value, @"\s+", " "))!.Skip(1).ToArray());

        Assert.Equal(["fit", "maps", "merge", "moments"], commands.Select(c => c[1]).Distinct().Order());
        Assert.True(commands.Count >= 8, $"{commands.Count} commands");
        foreach (var args in commands)
        {
            var root = new RootCommand { PipelineCommand.Create() };
            var parse = root.Parse(args);
            Assert.True(parse.Errors.Count == 0, $"{string.Join(' ', args)}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        }
    }

    [GeneratedRegex(@"\$KIT/saliency pipeline (moments|fit|maps|merge)[^""\n]*")]
    private static partial Regex ShellCommand();

    [GeneratedRegex(@"\[""\./saliency"", ""pipeline"",[^\]]*\]")]
    private static partial Regex CommandArray();
}
