using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace Saliency.Runner;

/// <summary>
/// Packs the kit (Saliency.Notebook) into the local NuGet feed <c>artifacts/packages</c>, which notebooks find through
/// <c>notebooks/nuget.config</c> and reference as <c>#r "nuget: Saliency.Notebook, *-*"</c> (the newest). Every pack
/// gets a new version (<c>0.1.0-dev.&lt;UTC time&gt;</c>), because the NuGet global packages folder keeps serving the
/// first copy of a version it extracted: a re-pack must reach the next kernel. Older kit packages in the feed are removed.
/// The headless runner pins that floating reference to the version it just made sure is current (<see cref="PinReference"/>).
/// </summary>
public static partial class KitPackage
{
    /// <summary>The repository's local feed, <c>artifacts/packages</c>, that <c>notebooks/nuget.config</c> names.</summary>
    public static string Feed(string repositoryRoot) => Path.Combine(repositoryRoot, "artifacts", "packages");

    /// <summary>Where the extension must sit inside the .nupkg for .NET Interactive to run it.</summary>
    public const string ExtensionEntry = "interactive-extensions/dotnet/extension.dib";

    /// <summary>
    /// Runs <c>dotnet pack</c> (Release) on the kit project of <paramref name="repositoryRoot"/> into
    /// <paramref name="outputDirectory"/>, checks the extension entry and returns the package's path. Cancelled (a signal to the
    /// tool), it stops the pack's whole process tree, deletes what the pack wrote of the package and throws
    /// <see cref="OperationCanceledException"/>: no pack goes on writing into the feed after the tool has gone.
    /// </summary>
    public static string Pack(string repositoryRoot, string outputDirectory, string? buildStamp = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string project = Path.Combine(repositoryRoot, "src", "Saliency.Notebook", "Saliency.Notebook.csproj");
        if (!File.Exists(project)) throw new FileNotFoundException($"The kit project is not at {project}.", project);
        string output = Path.GetFullPath(outputDirectory);
        Directory.CreateDirectory(output);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = repositoryRoot };
        // No reused MSBuild nodes: the whole build then runs in the pack's own process tree, which a cancellation stops.
        string version = NewVersion();
        foreach (string argument in new[] { "pack", project, "-c", "Release", "-o", output, "-nologo", "-v", "quiet", "-nodeReuse:false", $"-p:PackageVersion={version}" })
            start.ArgumentList.Add(argument);
        if (buildStamp != null) start.ArgumentList.Add($"-p:SaliencyBuildStamp={buildStamp}");
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        string package = Path.Combine(output, $"{PackageId}.{version}.nupkg");
        using (cancellationToken.Register(() => StopTree(process)))
        {
            Task<string> errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
            string log = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (cancellationToken.IsCancellationRequested)
            {
                if (File.Exists(package)) File.Delete(package);
                throw new OperationCanceledException("The kit's pack was stopped.", cancellationToken);
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"dotnet pack failed (exit {process.ExitCode}); its last lines:\n{LastLines(log + errors.Result, PackFailureLines)}");
        }
        if (!File.Exists(package)) throw new FileNotFoundException($"dotnet pack did not write {package}.", package);
        RequireExtension(package);
        foreach (string older in Directory.GetFiles(output, $"{PackageId}.*.nupkg").Where(path => path != package)) File.Delete(older);
        return package;
    }

    private static void StopTree(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // it has just exited
    }

    /// <summary>How many of a failed <c>dotnet pack</c>'s last output lines its error shows (the errors come last).</summary>
    public const int PackFailureLines = 8;

    private static string LastLines(string output, int count) =>
        string.Join("\n", output.Split('\n').Select(line => line.TrimEnd()).Where(line => line.Length > 0).TakeLast(count).Select(line => "  " + line));

    /// <summary>The kit's package id.</summary>
    public const string PackageId = "Saliency.Notebook";

    /// <summary>The newest kit package in <paramref name="feed"/>, or null when there is none.</summary>
    public static string? Newest(string feed) => Directory.Exists(feed)
        ? Directory.GetFiles(feed, $"{PackageId}.*.nupkg").OrderByDescending(path => File.GetLastWriteTimeUtc(path)).FirstOrDefault()
        : null;

    /// <summary>
    /// The newest kit package in <paramref name="feed"/> when it was packed after the last change to the kit's sources
    /// (its .cs, .csproj and .dib files and the repository's Directory.* build files), else a fresh pack of them: a
    /// notebook run from a fresh clone, or after a library change, gets the code that is in the tree.
    /// </summary>
    public static (string Package, bool Packed) EnsureCurrent(string repositoryRoot, string feed, CancellationToken cancellationToken = default)
    {
        string? newest = Newest(feed);
        if (newest != null && File.GetLastWriteTimeUtc(newest) >= LastSourceChange(repositoryRoot)) return (newest, false);
        return (Pack(repositoryRoot, feed, cancellationToken: cancellationToken), true);
    }

    /// <summary>When the kit's sources under <paramref name="repositoryRoot"/> last changed (build outputs excluded).</summary>
    public static DateTime LastSourceChange(string repositoryRoot)
    {
        string kit = Path.Combine(repositoryRoot, "src", "Saliency.Notebook");
        var sources = Directory.EnumerateFiles(kit, "*", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(kit, path) && Path.GetExtension(path) is ".cs" or ".csproj" or ".dib" or ".js")
            .Concat(Directory.EnumerateFiles(repositoryRoot, "Directory.*"));
        return sources.Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(DateTime.MinValue).Max();
    }

    private static bool IsBuildOutput(string project, string path)
    {
        string first = Path.GetRelativePath(project, path).Split(Path.DirectorySeparatorChar)[0];
        return first is "obj" or "bin";
    }

    /// <summary>The version of a kit package file named <c>Saliency.Notebook.&lt;version&gt;.nupkg</c>.</summary>
    public static string VersionOf(string package)
    {
        string name = Path.GetFileName(package);
        string prefix = PackageId + ".";
        if (!name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || !name.EndsWith(".nupkg", StringComparison.OrdinalIgnoreCase) || name.Length <= prefix.Length + ".nupkg".Length)
            throw new ArgumentException($"{package} is not named {PackageId}.<version>.nupkg.", nameof(package));
        return name[prefix.Length..^".nupkg".Length];
    }

    /// <summary>
    /// <paramref name="source"/> with each floating kit reference (<c>#r "nuget: Saliency.Notebook, *-*"</c>) pinned to
    /// <paramref name="version"/>; other references are left as they are. The kernel's NuGet dependency manager
    /// (FSharp.DependencyManager.Nuget) caches the restore of a reference without a wildcard and redoes it for every
    /// floating one (about 2 s of msbuild per notebook run); a pinned version is unique to its pack, so the cache can
    /// never serve a stale kit.
    /// </summary>
    public static string PinReference(string source, string version)
    {
        if (string.IsNullOrWhiteSpace(version) || version.Contains('*') || version.Contains('"'))
            throw new ArgumentException($"'{version}' is not a package version to pin to.", nameof(version));
        return FloatingReference().Replace(source, match => match.Groups["head"].Value + version + match.Groups["tail"].Value);
    }

    [GeneratedRegex("""(?<head>#r\s+"nuget:\s*Saliency\.Notebook\s*,\s*)\*-\*(?<tail>\s*")""", RegexOptions.IgnoreCase)]
    private static partial Regex FloatingReference();

    private static string NewVersion() => "0.1.0-dev." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Throws unless <paramref name="package"/> holds the extension at <see cref="ExtensionEntry"/> with the kit's registration call.</summary>
    public static void RequireExtension(string package)
    {
        using ZipArchive archive = ZipFile.OpenRead(package);
        ZipArchiveEntry entry = archive.GetEntry(ExtensionEntry)
            ?? throw new InvalidOperationException($"{package} has no {ExtensionEntry}: .NET Interactive would load the kit without its formatters.");
        using var reader = new StreamReader(entry.Open());
        string text = reader.ReadToEnd();
        if (!text.Contains("NotebookDisplay.Register()", StringComparison.Ordinal))
            throw new InvalidOperationException($"{package}'s {ExtensionEntry} does not register the kit's formatters.");
    }
}
