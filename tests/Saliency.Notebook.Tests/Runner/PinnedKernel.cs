using System.Text.Json.Nodes;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>The files of the dotnet-interactive tool pinned in .config/dotnet-tools.json, as `dotnet tool restore` put them.</summary>
internal static class PinnedKernel
{
    /// <summary>The tool package's <c>tools</c> folder in the NuGet global packages folder.</summary>
    public static string ToolFolder()
    {
        JsonNode manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, ".config", "dotnet-tools.json")))!;
        string version = (string)manifest["tools"]!["microsoft.dotnet-interactive"]!["version"]!;
        string tool = Path.Combine(NuGetPackages.Root, "microsoft.dotnet-interactive", version, "tools");
        Assert.True(Directory.Exists(tool), $"the pinned kernel is not restored at {tool}: run `dotnet tool restore`");
        return tool;
    }

    /// <summary>The path of the assembly named <paramref name="name"/> that the pinned tool ships.</summary>
    public static string AssemblyPath(string name) =>
        Directory.GetFiles(ToolFolder(), name + ".dll", SearchOption.AllDirectories).FirstOrDefault()
        ?? throw new FileNotFoundException($"the pinned kernel ships no {name}.dll", name + ".dll");

    /// <summary>The assembly version of <paramref name="name"/> as the pinned tool ships it.</summary>
    public static Version AssemblyVersion(string name) => System.Reflection.AssemblyName.GetAssemblyName(AssemblyPath(name)).Version!;
}
