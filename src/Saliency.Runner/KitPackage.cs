using System.Diagnostics;
using System.IO.Compression;

namespace Saliency.Runner;

/// <summary>
/// Packs the kit (Saliency.Notebook) into a local NuGet feed that notebooks use with
/// <c>#i "nuget: &lt;repo&gt;/artifacts/packages"</c> and <c>#r "nuget: Saliency.Notebook, 0.1.0"</c>,
/// and checks that the package carries the .NET Interactive extension.
/// </summary>
public static class KitPackage
{
    /// <summary>Where the extension must sit inside the .nupkg for .NET Interactive to run it.</summary>
    public const string ExtensionEntry = "interactive-extensions/dotnet/extension.dib";

    /// <summary>
    /// Runs <c>dotnet pack</c> (Release) on the kit project of <paramref name="repositoryRoot"/> into
    /// <paramref name="outputDirectory"/>, checks the extension entry and returns the package's path.
    /// </summary>
    public static string Pack(string repositoryRoot, string outputDirectory)
    {
        string project = Path.Combine(repositoryRoot, "src", "Saliency.Notebook", "Saliency.Notebook.csproj");
        if (!File.Exists(project)) throw new FileNotFoundException($"The kit project is not at {project}.", project);
        string output = Path.GetFullPath(outputDirectory);
        Directory.CreateDirectory(output);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = repositoryRoot };
        foreach (string argument in new[] { "pack", project, "-c", "Release", "-o", output, "-nologo", "-v", "quiet" }) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string log = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet pack failed (exit {process.ExitCode}):\n{log}{errors.Result}");
        string package = Path.Combine(output, $"Saliency.Notebook.{KitReferences.KitVersion}.nupkg");
        if (!File.Exists(package)) throw new FileNotFoundException($"dotnet pack did not write {package}.", package);
        RequireExtension(package);
        return package;
    }

    /// <summary>Throws unless <paramref name="package"/> holds the extension at <see cref="ExtensionEntry"/> with the kit's registration call.</summary>
    public static void RequireExtension(string package)
    {
        using ZipArchive archive = ZipFile.OpenRead(package);
        ZipArchiveEntry entry = archive.GetEntry(ExtensionEntry)
            ?? throw new InvalidOperationException($"{package} has no {ExtensionEntry}: .NET Interactive would load the kit without its formatters.");
        using var reader = new StreamReader(entry.Open());
        string text = reader.ReadToEnd();
        if (!text.Contains("NotebookDisplay.Register()", StringComparison.Ordinal) || !text.Contains("TorchRuntime.EnsureLoaded()", StringComparison.Ordinal))
            throw new InvalidOperationException($"{package}'s {ExtensionEntry} does not load torch and register the kit's formatters.");
    }
}
