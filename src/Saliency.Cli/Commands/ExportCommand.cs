using System.CommandLine;
using Saliency.Runner;

namespace Saliency.Cli.Commands;

/// <summary><c>saliency export NOTEBOOK --to app --out DIR</c>: the notebook as a C# file-based app that writes its figures without a kernel.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var notebook = new Argument<string>("NOTEBOOK") { Description = "the .ipynb to export" };
        var to = new Option<string>("--to") { Description = "what to export to: app (a C# file-based app, run with `dotnet run DIR/<notebook>.cs`)", Required = true };
        var outDir = new Option<string>("--out") { Description = "folder for <notebook>.cs, its nuget.config and, when it runs, figures/", Required = true };
        var command = new Command("export", "Export a notebook as a C# file-based app: `dotnet run` writes its figures and tables with nothing but the .NET SDK.")
        {
            notebook, to, outDir,
        };
        command.SetAction(parse => CommandRunner.Run("export", () =>
        {
            if (parse.GetValue(to) != "app") throw new ArgumentException($"--to takes app; got '{parse.GetValue(to)}'.");
            string root = RepositoryRoot.Find();
            string feed = KitPackage.Feed(root);
            (string package, _) = KitPackage.EnsureCurrent(root, feed);
            string app = AppExport.Write(parse.GetValue(notebook)!, parse.GetValue(outDir)!, KitPackage.VersionOf(package), feed);
            Console.WriteLine($"wrote {app}; run it with: dotnet run {app}");
            return 0;
        }));
        return command;
    }
}
