using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json.Nodes;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>
/// Nothing the kit loads in a notebook may need a newer FSharp.Core than the pinned .NET Interactive kernel ships
/// (Plotly.NET 6 and Deedle 8 need 10.1 and fail in the kernel, which loads 10.0).
/// </summary>
public sealed class KernelCompatibilityTests
{
    /// <summary>The FSharp.Core version the pinned dotnet-interactive tool ships, read from the tool's own files.</summary>
    private static Version KernelFSharpCoreVersion() => PinnedKernel.AssemblyVersion("FSharp.Core");

    /// <summary>The assemblies of the kit's runtime closure: its own and every package's, from its deps.json.</summary>
    private static IEnumerable<string> KitClosure()
    {
        string kitFolder = Path.GetDirectoryName(typeof(Saliency.Notebook.Display.KitView).Assembly.Location)!;
        string projectBin = Path.Combine(Repository.Root, "src", "Saliency.Notebook", "bin", "Release", "net10.0");
        string deps = Path.Combine(projectBin, "Saliency.Notebook.deps.json");
        Assert.True(File.Exists(deps), $"build the kit first: {deps} is missing");
        JsonObject targets = JsonNode.Parse(File.ReadAllText(deps))!["targets"]!.AsObject().First().Value!.AsObject();
        foreach ((string _, JsonNode? library) in targets)
            foreach ((string assembly, JsonNode? _) in library?["runtime"]?.AsObject() ?? new JsonObject())
            {
                string path = Path.Combine(kitFolder, Path.GetFileName(assembly));
                Assert.True(File.Exists(path), $"{path} of the kit's closure is missing");
                yield return path;
            }
        yield return Path.Combine(kitFolder, "Saliency.Notebook.dll");
    }

    /// <summary>The FSharp.Core references of <paramref name="path"/> that are newer than <paramref name="kernel"/>.</summary>
    private static IEnumerable<string> NewerFSharpCoreReferences(string path, Version kernel)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata) yield break;
        MetadataReader metadata = pe.GetMetadataReader();
        foreach (AssemblyReferenceHandle handle in metadata.AssemblyReferences)
        {
            AssemblyReference reference = metadata.GetAssemblyReference(handle);
            if (metadata.GetString(reference.Name) == "FSharp.Core" && reference.Version > kernel)
                yield return $"{Path.GetFileName(path)} needs FSharp.Core {reference.Version} (kernel: {kernel})";
        }
    }

    [Fact]
    public void No_assembly_the_kit_loads_references_an_FSharp_Core_newer_than_the_kernels()
    {
        Version kernel = KernelFSharpCoreVersion();
        var closure = KitClosure().Distinct().ToList();
        Assert.True(closure.Count > 5, string.Join(", ", closure));
        Assert.DoesNotContain(closure, path => Path.GetFileName(path) == "FSharp.Core.dll");
        Assert.Empty(closure.SelectMany(path => NewerFSharpCoreReferences(path, kernel)));
    }

    [Fact]
    public void The_check_flags_an_assembly_built_against_a_newer_FSharp_Core()
    {
        // The kernel's own F# kernel references the kernel's FSharp.Core: not flagged against it, flagged against an older one.
        string fsharpKernel = PinnedKernel.AssemblyPath("Microsoft.DotNet.Interactive.FSharp");
        Version kernel = KernelFSharpCoreVersion();

        Assert.Empty(NewerFSharpCoreReferences(fsharpKernel, kernel));
        Assert.Single(NewerFSharpCoreReferences(fsharpKernel, new Version(kernel.Major - 1, 0, 0, 0)));
    }
}
