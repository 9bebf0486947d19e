using System.Text;
using System.Text.RegularExpressions;

namespace Saliency.Runner;

/// <summary>
/// The .NET Interactive magic lines of one cell, taken out before the C# compiler sees it: <c>#r "nuget: ..."</c>,
/// <c>#i "nuget: ..."</c> and <c>#!</c> directives. <c>#r "path.dll"</c> stays: it is C# scripting syntax.
/// </summary>
public sealed partial class CellDirectives
{
    /// <summary>The package the runner provides for <c>#r "nuget: ..."</c>: the kit, from the tool's own folder.</summary>
    public const string KitPackageId = "Saliency.Notebook";

    private CellDirectives(string code, bool referencesKit, string? kitVersion)
    {
        Code = code;
        ReferencesKit = referencesKit;
        KitVersion = kitVersion;
    }

    /// <summary>The cell's C# with the magic lines blanked (line numbers stay those of the cell).</summary>
    public string Code { get; }

    /// <summary>Whether the cell asks for <c>#r "nuget: Saliency.Notebook[, version]"</c>.</summary>
    public bool ReferencesKit { get; }

    /// <summary>The kit version the cell asks for, or null when it gives none.</summary>
    public string? KitVersion { get; }

    /// <summary>
    /// Splits <paramref name="source"/> into C# and directives. Throws <see cref="UnsupportedDirectiveException"/>
    /// for a directive the headless runner cannot honour, with the line and what to do instead.
    /// </summary>
    public static CellDirectives Parse(string source)
    {
        var code = new StringBuilder();
        bool referencesKit = false;
        string? kitVersion = null;
        string[] lines = source.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            string trimmed = line.Trim();
            bool keep = true;
            if (trimmed.StartsWith("#!", StringComparison.Ordinal))
            {
                if (trimmed is not ("#!csharp" or "#!c#" or "#!C#"))
                    throw new UnsupportedDirectiveException(i + 1, trimmed,
                        "magic commands and other kernels are .NET Interactive features; the headless runner runs plain C# cells only (#!csharp is accepted).");
                keep = false;
            }
            else if (NugetDirective().Match(trimmed) is { Success: true } nuget)
            {
                string kind = nuget.Groups["kind"].Value;
                string spec = nuget.Groups["spec"].Value.Trim();
                if (kind == "r")
                {
                    string[] parts = spec.Split(',', 2, StringSplitOptions.TrimEntries);
                    if (!string.Equals(parts[0], KitPackageId, StringComparison.OrdinalIgnoreCase))
                        throw new UnsupportedDirectiveException(i + 1, trimmed,
                            $"the headless runner provides only the {KitPackageId} package (with its dependencies) from its own folder; reference other assemblies by path with #r \"path/to/library.dll\".");
                    referencesKit = true;
                    kitVersion = parts.Length > 1 && parts[1].Length > 0 ? parts[1] : null;
                }
                // #i "nuget: <source>" names where .NET Interactive finds packages; the runner takes the kit from its own folder.
                keep = false;
            }
            else if (trimmed.StartsWith("#i ", StringComparison.Ordinal))
            {
                throw new UnsupportedDirectiveException(i + 1, trimmed, "only #i \"nuget: <package source>\" is understood.");
            }
            code.Append(keep ? line : "");
            if (i < lines.Length - 1) code.Append('\n');
        }
        return new CellDirectives(code.ToString(), referencesKit, kitVersion);
    }

    [GeneratedRegex("^#(?<kind>[ri])\\s+\"nuget:(?<spec>[^\"]*)\"\\s*$")]
    private static partial Regex NugetDirective();
}

/// <summary>A cell uses a .NET Interactive directive that the headless runner cannot run.</summary>
public sealed class UnsupportedDirectiveException(int line, string directive, string reason)
    : Exception($"line {line}: {directive}: {reason}")
{
    /// <summary>1-based line in the cell.</summary>
    public int Line { get; } = line;
}
