using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json.Nodes;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>
/// A safe <c>#r</c>: the user's own NuGet configuration lists another feed that holds a <c>Saliency.Notebook</c> of a higher version,
/// whose extension script writes a marker file when the kernel runs it. Through a real Jupyter client in the stock kernel, a notebook
/// whose kit cells are the committed notebooks' (the RestoreConfigFile cell, then <c>#r "nuget: Saliency.Notebook, *-*"</c>) under the
/// committed <c>notebooks/nuget.config</c> loads the local kit and runs nothing of the other package; the same <c>#r</c> under the
/// configuration the kit had before (the local feed added next to the user's feeds) loads the other package and runs its script, so
/// the test would fail without the fix.
/// </summary>
[Collection(NotebookSessionCollection.Name)]
public sealed class DependencyConfusionTests : IDisposable
{
    private const string OtherVersion = "99.0.0";
    private readonly string _folder = Directory.CreateTempSubdirectory("saliency-depconf-").FullName;
    private readonly string _trial;
    private readonly string _before = Path.Combine(Repository.Root, "out", ".dependency-confusion-" + Guid.NewGuid().ToString("N")[..8]);

    public DependencyConfusionTests()
    {
        KitFeed.EnsurePacked();
        // The trial notebook sits in the repository's notebooks/ folder, as a user's notebook beside the paper's, so that its
        // "../nuget.config" is the committed one.
        _trial = Path.Combine(Repository.Root, "notebooks", ".dependency-confusion-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_trial);
    }

    public void Dispose()
    {
        Directory.Delete(_trial, recursive: true);
        if (Directory.Exists(_before)) Directory.Delete(_before, recursive: true);
        Directory.Delete(_folder, recursive: true);
        // The other package was extracted into the global packages folder by the unprotected run: it must not stay there.
        string extracted = Path.Combine(NuGetPackages.Root, "saliency.notebook", OtherVersion);
        if (Directory.Exists(extracted)) Directory.Delete(extracted, recursive: true);
    }

    [Fact]
    public void A_higher_kit_version_on_a_feed_of_the_users_configuration_never_reaches_the_kernel()
    {
        string home = UserWithAnotherFeed();
        string marker = Path.Combine(_folder, "other-package-ran");

        // Before the fix: the local feed only added next to the user's feeds, no RestoreConfigFile cell. The other package wins. (In the
        // repository, where the kernel's tool manifest is, but outside notebooks/, whose nuget.config would clear the user's feeds.)
        string before = Path.Combine(_before, "notebooks");
        Directory.CreateDirectory(Path.Combine(before, "trial"));
        File.WriteAllText(Path.Combine(before, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><add key="saliency-notebook-kit" value="{KitFeed.Folder}" /></packageSources></configuration>
            """);
        string loadedBefore = RunTrial(Path.Combine(before, "trial"), home, withKitCells: false);
        Assert.Equal("no kit assembly", loadedBefore);                        // the other package has no library
        Assert.True(File.Exists(marker), "the unprotected run did not load the other feed's package: the trial proves nothing");
        File.Delete(marker);

        // The committed notebooks' kit cells under the committed notebooks/nuget.config: the local kit, and nothing of the other package,
        // even with that package still in the global packages folder.
        string loaded = RunTrial(_trial, home, withKitCells: true);
        Assert.StartsWith("Saliency.Notebook 0.1.0.0 from " + Path.Combine(NuGetPackages.Root, "saliency.notebook", "0.1.0-dev."), loaded);
        Assert.False(File.Exists(marker), "the other feed's extension script ran in the kernel");
    }

    /// <summary>A user home whose NuGet configuration lists nuget.org and another feed holding Saliency.Notebook 99.0.0.</summary>
    private string UserWithAnotherFeed()
    {
        string feed = Path.Combine(_folder, "another-feed");
        Directory.CreateDirectory(feed);
        using (var package = ZipFile.Open(Path.Combine(feed, $"Saliency.Notebook.{OtherVersion}.nupkg"), ZipArchiveMode.Create))
        {
            Write(package, "Saliency.Notebook.nuspec", $"""
                <?xml version="1.0" encoding="utf-8"?>
                <package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
                  <metadata><id>Saliency.Notebook</id><version>{OtherVersion}</version><authors>someone else</authors><description>Not the kit.</description></metadata>
                </package>
                """);
            Write(package, "interactive-extensions/dotnet/extension.dib",
                "#!meta\n\n{\"kernelInfo\":{\"defaultKernelName\":\"csharp\",\"items\":[{\"aliases\":[],\"name\":\"csharp\"}]}}\n\n#!csharp\n\n" +
                $"System.IO.File.WriteAllText(\"{Path.Combine(_folder, "other-package-ran")}\", \"ran\");\n");
            Write(package, "lib/net10.0/_._", "");
        }
        string home = Path.Combine(_folder, "home");
        Directory.CreateDirectory(Path.Combine(home, ".nuget", "NuGet"));
        File.WriteAllText(Path.Combine(home, ".nuget", "NuGet", "NuGet.Config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
                <add key="another-feed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        // The pinned kernel, found from this home (its tool resolver cache), and its kernelspec for the Jupyter client.
        Run("dotnet", Repository.Root, home, "tool", "restore");
        Directory.CreateDirectory(Path.Combine(_folder, "kernels"));
        Run("dotnet", Repository.Root, home, "tool", "run", "dotnet-interactive", "--", "jupyter", "install", "--path", Path.Combine(_folder, "kernels"));
        return home;

        static void Write(ZipArchive archive, string name, string text)
        {
            using var writer = new StreamWriter(archive.CreateEntry(name).Open());
            writer.Write(text);
        }
    }

    /// <summary>
    /// Runs, in <paramref name="folder"/>, a notebook of the committed symbols notebook's kit cells (or the bare #r) and a cell that
    /// prints which Saliency.Notebook assembly the kernel loaded and from where.
    /// </summary>
    private string RunTrial(string folder, string home, bool withKitCells)
    {
        var committed = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "notebooks", "symbols", "symbols.ipynb")))!["cells"]!.AsArray()
            .Select(c => c!.AsObject()).Where(c => (string?)c["cell_type"] == "code").Select(c => (string)c["source"]!).ToList();
        string kitReference = committed.Single(source => source.StartsWith("#r \"nuget: Saliency.Notebook", StringComparison.Ordinal));
        var sources = new List<string>();
        if (withKitCells) sources.Add(committed.Single(source => source.Contains("\"RestoreConfigFile\"", StringComparison.Ordinal)));
        sources.Add(kitReference);
        sources.Add("""
            var kit = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "Saliency.Notebook");
            Console.Write(kit is null ? "no kit assembly" : $"Saliency.Notebook {kit.GetName().Version} from {kit.Location}");
            """);
        var notebook = new JsonObject
        {
            ["cells"] = new JsonArray(sources.Select(source => (JsonNode)new JsonObject
            {
                ["cell_type"] = "code", ["id"] = Guid.NewGuid().ToString("N")[..8], ["metadata"] = new JsonObject(), ["source"] = source,
                ["execution_count"] = null, ["outputs"] = new JsonArray(),
            }).ToArray()),
            ["metadata"] = new JsonObject { ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" } },
            ["nbformat"] = 4, ["nbformat_minor"] = 5,
        };
        string input = Path.Combine(folder, "trial.ipynb"), output = Path.Combine(folder, "trial.executed.ipynb");
        File.WriteAllText(input, notebook.ToJsonString());
        Run("jupyter", folder, home, "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=.net-csharp",
            "--ExecutePreprocessor.timeout=300", "--output", output, input);
        var last = JsonNode.Parse(File.ReadAllText(output))!["cells"]!.AsArray()[^1]!["outputs"]!.AsArray();
        return string.Concat(last.Where(o => (string?)o!["output_type"] == "stream").Select(o => o!["text"] is JsonArray lines
            ? string.Concat(lines.Select(line => (string?)line)) : (string?)o!["text"]));
    }

    private void Run(string program, string workingDirectory, string home, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["HOME"] = home;                                      // the user's NuGet configuration is $HOME/.nuget/NuGet
        start.Environment.Remove("DOTNET_CLI_HOME");                           // which NuGet would read instead of $HOME
        start.Environment["NUGET_PACKAGES"] = NuGetPackages.Root;              // the packages already restored here: nothing to download
        start.Environment["JUPYTER_PATH"] = _folder;
        start.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{output}\n{error.Result}");
    }
}
