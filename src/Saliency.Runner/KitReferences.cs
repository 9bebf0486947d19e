using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Saliency.Notebook.Display;

namespace Saliency.Runner;

/// <summary>
/// The assemblies cells compile against: the whole shared framework (as .NET Interactive gives), and, for
/// <c>#r "nuget: Saliency.Notebook"</c>, the kit and its dependency closure from the tool's own folder.
/// </summary>
public static class KitReferences
{
    /// <summary>Path of the kit's extension inside the package and next to the kit assembly.</summary>
    public const string ExtensionRelativePath = "interactive-extensions/dotnet/extension.dib";

    private static readonly Lazy<IReadOnlyList<MetadataReference>> FrameworkReferences = new(LoadFrameworkReferences);
    private static readonly Lazy<IReadOnlyList<Assembly>> KitClosure = new(LoadKitClosure);

    /// <summary>The kit assembly (Saliency.Notebook.dll) this tool was built with.</summary>
    public static Assembly Kit => typeof(NotebookDisplay).Assembly;

    /// <summary>The kit's version as a NuGet version (e.g. 0.1.0).</summary>
    public static string KitVersion =>
        Kit.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? Kit.GetName().Version!.ToString(3);

    /// <summary>Every managed assembly of the shared framework this process runs on.</summary>
    public static IReadOnlyList<MetadataReference> Framework => FrameworkReferences.Value;

    /// <summary>The kit assembly and every non-framework assembly it depends on, loaded into this process.</summary>
    public static IReadOnlyList<Assembly> KitAssemblies => KitClosure.Value;

    /// <summary>The C# of the kit's extension.dib (its #!csharp sections), which the runner runs after loading the kit.</summary>
    public static string ExtensionCode()
    {
        string path = Path.Combine(Path.GetDirectoryName(Kit.Location)!, ExtensionRelativePath);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The kit's extension is missing at {path}; rebuild the tool (it is copied from src/Saliency.Notebook/interactive-extensions).", path);
        return ExtensionScript.CSharpOf(File.ReadAllText(path));
    }

    private static IReadOnlyList<MetadataReference> LoadFrameworkReferences()
    {
        string runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        return Directory.GetFiles(runtimeDirectory, "*.dll")
            .Where(IsManagedAssembly)
            .OrderBy(path => path, StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList();
    }

    private static bool IsManagedAssembly(string path)
    {
        using FileStream stream = File.OpenRead(path);
        using var reader = new PEReader(stream);
        if (!reader.HasMetadata) return false;
        return reader.GetMetadataReader().IsAssembly;
    }

    private static IReadOnlyList<Assembly> LoadKitClosure()
    {
        string frameworkDirectory = Path.GetFullPath(RuntimeEnvironment.GetRuntimeDirectory());
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = new List<Assembly>();
        var pending = new Queue<Assembly>();
        pending.Enqueue(Kit);
        seen.Add(Kit.GetName().Name!);
        while (pending.Count > 0)
        {
            Assembly assembly = pending.Dequeue();
            if (!Path.GetFullPath(assembly.Location).StartsWith(frameworkDirectory, StringComparison.Ordinal)) result.Add(assembly);
            foreach (AssemblyName name in assembly.GetReferencedAssemblies())
            {
                if (!seen.Add(name.Name!)) continue;
                Assembly dependency;
                try
                {
                    dependency = Assembly.Load(name);
                }
                catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    throw new InvalidOperationException(
                        $"The kit's dependency {name} (referenced by {assembly.GetName().Name}) cannot be loaded from the tool's folder: {e.Message}", e);
                }
                if (!string.IsNullOrEmpty(dependency.Location)) pending.Enqueue(dependency);
            }
        }
        return result;
    }
}

/// <summary>Reads the C# out of a .dib file (Polyglot Notebooks' plain-text format: sections headed by #!kernel lines).</summary>
public static class ExtensionScript
{
    /// <summary>The text of every <c>#!csharp</c> section, in order; <c>#!meta</c> and other sections are left out.</summary>
    public static string CSharpOf(string dib)
    {
        var code = new List<string>();
        bool inCSharp = false;
        foreach (string line in dib.Replace("\r\n", "\n").Split('\n'))
        {
            if (line.StartsWith("#!", StringComparison.Ordinal) && !line.Contains(' '))
            {
                inCSharp = line is "#!csharp" or "#!c#";
                continue;
            }
            if (inCSharp) code.Add(line);
        }
        return string.Join("\n", code).Trim();
    }
}
