namespace Saliency.Runner;

/// <summary>One notebook of a reproduction and how it went.</summary>
public sealed record ReproducedNotebook(string Dataset, string Notebook, NotebookRunResult Result, IReadOnlyList<string> Pngs);

/// <summary>
/// Runs every notebook of the paper's datasets (notebooks/&lt;dataset&gt;/*.ipynb, in name order) into an output
/// folder, with each figure as standalone HTML and, when asked, PNG. A missing dataset folder or an empty one is
/// an error, never skipped.
/// </summary>
public static class Reproduction
{
    /// <summary>The datasets of the paper, in the order they are run.</summary>
    public static readonly IReadOnlyList<string> Datasets = new[] { "symbols", "eog", "aircraft", "aircraft-flyover" };

    /// <summary>
    /// The notebooks to run for <paramref name="datasets"/> under <paramref name="notebooksRoot"/>; throws naming
    /// every missing folder or folder without notebooks.
    /// </summary>
    public static IReadOnlyList<(string Dataset, string Notebook)> Plan(string notebooksRoot, IEnumerable<string> datasets)
    {
        var plan = new List<(string, string)>();
        var problems = new List<string>();
        foreach (string dataset in datasets)
        {
            if (!Datasets.Contains(dataset)) { problems.Add($"unknown dataset '{dataset}' (known: {string.Join(", ", Datasets)})"); continue; }
            string folder = Path.Combine(notebooksRoot, dataset);
            if (!Directory.Exists(folder)) { problems.Add($"{folder} does not exist"); continue; }
            string[] notebooks = Directory.GetFiles(folder, "*.ipynb").Order(StringComparer.Ordinal).ToArray();
            if (notebooks.Length == 0) { problems.Add($"{folder} has no notebooks"); continue; }
            plan.AddRange(notebooks.Select(notebook => (dataset, notebook)));
        }
        if (problems.Count > 0) throw new FileNotFoundException("Cannot reproduce: " + string.Join("; ", problems) + ".");
        return plan;
    }

    /// <summary>
    /// Runs the planned notebooks into <paramref name="outputRoot"/>/&lt;dataset&gt;/ (executed notebooks, figures/*.html,
    /// figures/*.png at 2× scale and figures/*.svg with <paramref name="png"/>). Every notebook runs even when an earlier one failed.
    /// <paramref name="kitVersion"/>, when given, pins the notebooks' floating kit reference (<see cref="NotebookRunOptions.KitVersion"/>).
    /// </summary>
    public static async Task<IReadOnlyList<ReproducedNotebook>> RunAsync(IReadOnlyList<(string Dataset, string Notebook)> plan, string outputRoot, bool png,
        Action<string>? progress = null, string? kitVersion = null)
    {
        if (png) ChromiumScreenshot.FindChromium();
        var results = new List<ReproducedNotebook>();
        foreach ((string dataset, string notebook) in plan)
        {
            progress?.Invoke($"running {dataset}/{Path.GetFileName(notebook)}");
            string folder = Path.Combine(outputRoot, dataset);
            NotebookRunResult result = await NotebookRunner.RunAsync(new NotebookRunOptions
            {
                NotebookPath = notebook,
                OutputPath = Path.Combine(folder, Path.GetFileName(notebook)),
                FigureDirectory = Path.Combine(folder, "figures"),
                KitVersion = kitVersion,
                CellDone = (cell, seconds) => progress?.Invoke($"  cell {cell,3} ran in {seconds,6:0.0} s"),
            });
            progress?.Invoke($"  {Path.GetFileName(notebook)}: {result.Elapsed.TotalSeconds:0.0} s in the kernel");
            if (result.KernelWarning != null) progress?.Invoke($"  warning: {result.KernelWarning}");
            var pngs = new List<string>();
            if (png)
                foreach (ExportedFigure figure in result.Figures)
                {
                    string path = Path.ChangeExtension(figure.HtmlPath, ".png");
                    ChromiumScreenshot.Capture(figure.HtmlPath, path, figure.Width + 40, figure.Height + 40, scale: 2);
                    pngs.Add(path);
                    ChromiumScreenshot.CaptureSvg(figure.HtmlPath, Path.ChangeExtension(figure.HtmlPath, ".svg"));
                }
            results.Add(new ReproducedNotebook(dataset, notebook, result, pngs));
        }
        return results;
    }
}
