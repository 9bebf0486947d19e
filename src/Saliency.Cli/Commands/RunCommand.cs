using System.CommandLine;
using Saliency.Runner;

namespace Saliency.Cli.Commands;

/// <summary><c>saliency run NOTEBOOK.ipynb</c>: executes a C# notebook headlessly (papermill-style) and writes the executed copy.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var notebook = new Argument<string>("notebook") { Description = "the .ipynb to execute" };
        var outDir = new Option<string>("--out") { Description = "folder for the executed notebook (and figures/)", DefaultValueFactory = _ => "out" };
        var parameters = new Option<string[]>("--parameter", "-p") { Description = "name=value for a variable of the cell tagged 'parameters' (repeatable)" };
        var figures = new Option<bool>("--figures") { Description = "also write each displayed figure as a standalone HTML page under OUT/figures" };
        var command = new Command("run", "Execute a C# notebook's code cells in order and save it with its outputs; exit 1 at the first failing cell.")
        {
            notebook, outDir, parameters, figures,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(notebook)!;
            string dir = parse.GetValue(outDir)!;
            Dictionary<string, string> values;
            try
            {
                values = ParseParameters(parse.GetValue(parameters) ?? Array.Empty<string>());
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            using var signals = new TerminationSignals();
            string? kitVersion;
            try
            {
                if (!PrepareKit(path, signals.Token, out kitVersion)) return 1;
            }
            catch (OperationCanceledException) when (signals.Token.IsCancellationRequested)
            {
                Console.Error.WriteLine($"{path}: {signals.Description}.");
                return signals.ExitCode;
            }
            var options = new NotebookRunOptions
            {
                NotebookPath = path,
                OutputPath = Path.Combine(dir, Path.GetFileName(path)),
                Parameters = values,
                KitVersion = kitVersion,
                FigureDirectory = parse.GetValue(figures) ? Path.Combine(dir, "figures") : null,
                CellDone = (cell, seconds) => Console.Error.WriteLine($"  cell {cell,3} ran in {seconds,6:0.0} s"),
            };
            return Report(path, options, signals);
        });
        return command;
    }

    /// <summary>Runs one notebook and prints where it went; 0 when every cell ran, 1 otherwise, 128 + the signal's number when <paramref name="signals"/> stopped it.</summary>
    private static int Report(string path, NotebookRunOptions options, TerminationSignals signals)
    {
        NotebookRunResult result;
        try
        {
            result = NotebookRunner.RunAsync(options, signals.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is FileNotFoundException or NotebookFormatException or NotebookParameterException or KernelException)
        {
            Console.Error.WriteLine($"{path}: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (signals.Token.IsCancellationRequested)
        {
            Console.Error.WriteLine($"{path}: {signals.Description}.");
            return signals.ExitCode;
        }
        foreach (ExportedFigure figure in result.Figures) Console.WriteLine($"figure   {figure.HtmlPath}");
        if (result.KernelWarning != null) Console.Error.WriteLine($"warning: {result.KernelWarning}");
        if (!result.Succeeded)
        {
            Console.Error.WriteLine($"{path}: {result.Failure} (executed notebook with the error: {result.OutputNotebook})");
            return 1;
        }
        Console.WriteLine($"executed {path}: {result.ExecutedCells} code cells in {result.Elapsed.TotalSeconds:0.0} s (kernel start included) -> {result.OutputNotebook}");
        return 0;
    }

    /// <summary>
    /// A notebook of this repository (below notebooks/) finds the kit in artifacts/packages through notebooks/nuget.config:
    /// pack it first when the feed has none or the kit's sources changed since, so the run never fails on a fresh clone
    /// nor runs stale code; <paramref name="kitVersion"/> is that package's version, which the run pins the notebook's
    /// floating reference to (null for notebooks elsewhere). False (with the message printed) when the pack fails; a signal
    /// (<paramref name="cancellationToken"/>) stops the pack and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    private static bool PrepareKit(string notebookPath, CancellationToken cancellationToken, out string? kitVersion)
    {
        kitVersion = null;
        string root;
        try
        {
            root = RepositoryLocator.Find();
        }
        catch (KernelException e)
        {
            Console.Error.WriteLine($"{notebookPath}: {e.Message}");
            return false;
        }
        string notebooks = Path.Combine(root, "notebooks") + Path.DirectorySeparatorChar;
        if (!Path.GetFullPath(notebookPath).StartsWith(notebooks, StringComparison.Ordinal)) return true;
        try
        {
            (string package, bool packed) = KitPackage.EnsureCurrent(root, KitPackage.Feed(root), cancellationToken);
            if (packed) Console.Error.WriteLine($"packed the kit's current sources: {package}");
            kitVersion = KitPackage.VersionOf(package);
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or FileNotFoundException)
        {
            Console.Error.WriteLine($"{notebookPath}: the kit could not be packed for the notebook: {e.Message}");
            return false;
        }
    }

    /// <summary>Turns <c>name=value</c> items into a dictionary; a later item overrides an earlier one.</summary>
    internal static Dictionary<string, string> ParseParameters(IEnumerable<string> items)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string item in items)
        {
            int equals = item.IndexOf('=');
            if (equals <= 0) throw new ArgumentException($"Parameter '{item}' is not name=value.");
            values[item[..equals].Trim()] = item[(equals + 1)..];
        }
        return values;
    }
}
