using System.CommandLine;
using Saliency.Notebook.Data.Fetch;
using Saliency.Runner;

namespace Saliency.Cli.Commands;

/// <summary>
/// <c>saliency reproduce</c>: runs every paper notebook (notebooks/&lt;dataset&gt;/) and exports its figures; fetches the data and
/// packs the kit first when they are missing, so it works on a fresh clone.
/// </summary>
public static class ReproduceCommand
{
    public static Command Create()
    {
        var datasets = new Option<string[]>("--dataset") { Description = $"dataset to run (repeatable; default all: {string.Join(", ", Reproduction.Datasets)})" };
        var outDir = new Option<string>("--out") { Description = "output folder", DefaultValueFactory = _ => Path.Combine("out", "reproduce") };
        var png = new Option<bool>("--png") { Description = "also write a PNG per figure (headless chromium)" };
        var refresh = new Option<bool>("--refresh-notebooks")
        {
            Description = "with --png: write each notebook's outputs (its figures with their images) back into notebooks/<dataset>/, stamped with a hash of its code, to commit",
        };
        var command = new Command("reproduce", "Run the paper's notebooks of each dataset; write executed notebooks, figures as HTML and optionally PNG.")
        {
            datasets, outDir, png, refresh,
        };
        command.SetAction(parse => CommandRunner.Run("reproduce", () =>
        {
            string root = RepositoryRoot.Find();
            string[] chosen = parse.GetValue(datasets) is { Length: > 0 } given ? given : Reproduction.Datasets.ToArray();
            if (parse.GetValue(refresh) && !parse.GetValue(png))
            {
                Console.Error.WriteLine("saliency reproduce: --refresh-notebooks needs --png (the committed figures carry their images).");
                return 2;
            }
            using var signals = new TerminationSignals();
            try
            {
                var plan = Reproduction.Plan(Path.Combine(root, "notebooks"), chosen);
                PrepareData(root);
                string kitVersion = PreparePackage(root, signals.Token);
                var results = Reproduction.RunAsync(plan, parse.GetValue(outDir)!, parse.GetValue(png), Console.WriteLine, kitVersion, signals.Token,
                    parse.GetValue(refresh)).GetAwaiter().GetResult();
                foreach (ReproducedNotebook notebook in results)
                {
                    string state = notebook.Succeeded ? "ok    " : "FAILED";
                    string written = notebook.Result == null ? "not run" : $"{notebook.Result.Figures.Count} figures, {notebook.Pngs.Count} PNGs -> {notebook.Result.OutputNotebook}";
                    Console.WriteLine($"{state} {notebook.Dataset}/{Path.GetFileName(notebook.Notebook)}: {written}");
                }
                var failed = results.Where(notebook => !notebook.Succeeded).ToList();
                if (failed.Count == 0) return 0;
                Console.Error.WriteLine($"saliency reproduce: {failed.Count} of {results.Count} notebooks failed:");
                foreach (ReproducedNotebook notebook in failed)
                    Console.Error.WriteLine($"  {notebook.Dataset}/{Path.GetFileName(notebook.Notebook)}: {notebook.Failure}");
                return 1;
            }
            catch (Exception e) when (e is FileNotFoundException or DataFetchException or InvalidOperationException)
            {
                // A missing dataset or notebook folder, a failed fetch, or a kit that does not pack.
                Console.Error.WriteLine(e.Message);
                return 1;
            }
            catch (OperationCanceledException) when (signals.Token.IsCancellationRequested)
            {
                Console.Error.WriteLine($"saliency reproduce: {signals.Description}.");
                return signals.ExitCode;
            }
        }));
        return command;
    }

    /// <summary>
    /// The notebooks read the repository's data/: when a file is missing, fetch it as <c>data fetch</c> does
    /// (SALIENCY_DATA_MIRROR when set, else the authors' repository), SHA-256 checked.
    /// </summary>
    private static void PrepareData(string root)
    {
        string data = Path.Combine(root, "data");
        // The symbols and eog notebooks load the authors' checkpoints by default (models/original, fetched like the data).
        if (OriginalCheckpoints.Manifest.Any(file => !File.Exists(Path.Combine(root, OriginalCheckpoints.RelativeFolder, file.RelativePath))))
            Console.WriteLine($"authors' checkpoints: {OriginalCheckpoints.Fetch(root).FetchedCount} fetched into {Path.Combine(root, OriginalCheckpoints.RelativeFolder)}, SHA-256 verified");
        if (DataFetcher.Manifest.All(file => File.Exists(Path.Combine(data, file.RelativePath)))) return;
        Console.WriteLine($"fetching the paper's data into {data} ...");
        FetchReport report = DataFetcher.Fetch(data);
        Console.WriteLine($"{report.FetchedCount} fetched, {report.AlreadyPresentCount} already present, all verified (SHA-256)");
    }

    /// <summary>
    /// The notebooks reference the newest kit package in artifacts/packages (through notebooks/nuget.config): pack the
    /// current sources first when the feed has none or they changed since (as <c>run</c> does), so the kernel runs this
    /// code and never a stale copy, while an unchanged kit keeps its version and the kernel's restores of it stay cached.
    /// Returns the package's version, which the runs pin the notebooks' floating reference to.
    /// </summary>
    private static string PreparePackage(string root, CancellationToken cancellationToken)
    {
        (string package, bool packed) = KitPackage.EnsureCurrent(root, KitPackage.Feed(root), cancellationToken);
        Console.WriteLine(packed ? $"packed the kit's current sources: {package}" : $"the kit's package is current: {package}");
        return KitPackage.VersionOf(package);
    }
}
