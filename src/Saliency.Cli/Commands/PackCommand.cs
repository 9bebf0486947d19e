using System.CommandLine;
using Saliency.Runner;

namespace Saliency.Cli.Commands;

/// <summary><c>saliency pack</c>: packs the kit into artifacts/packages, the local feed notebooks reference.</summary>
public static class PackCommand
{
    public static Command Create()
    {
        var outDir = new Option<string?>("--out") { Description = "package folder (default: <repo>/artifacts/packages)" };
        var command = new Command("pack", "Pack Saliency.Notebook (with its .NET Interactive extension) into a local NuGet feed for notebooks.") { outDir };
        command.SetAction(parse => CommandRunner.Run("pack", () =>
        {
            string root = RepositoryRoot.Find();
            string output = parse.GetValue(outDir) ?? KitPackage.Feed(root);
            string package;
            try
            {
                package = KitPackage.Pack(root, output);
            }
            catch (InvalidOperationException e)
            {
                // A failed dotnet pack: its reason and last output lines, as they are (CommandRunner would join them into one line).
                Console.Error.WriteLine($"saliency pack: {e.Message}");
                return 1;
            }
            Console.WriteLine($"packed {package}");
            Console.WriteLine("notebooks under notebooks/ find this feed through notebooks/nuget.config; in a notebook:");
            Console.WriteLine($"    #r \"nuget: {KitPackage.PackageId}, *-*\"   (the newest kit in the feed)");
            return 0;
        }));
        return command;
    }
}

/// <summary>Finds the repository (the folder with Saliency.slnx) from the current directory upwards.</summary>
internal static class RepositoryRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Saliency.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No Saliency.slnx in {Environment.CurrentDirectory} or above: run the command inside the repository.");
    }
}
