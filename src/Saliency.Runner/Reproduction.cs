namespace Saliency.Runner;

/// <summary>One notebook of a reproduction and how it went: its run's result, or null when it could not run at all.</summary>
public sealed record ReproducedNotebook(string Dataset, string Notebook, NotebookRunResult? Result, IReadOnlyList<string> Pngs)
{
    /// <summary>Why the notebook could not run or its figures could not be exported (e.g. a malformed notebook, a kernel that did not start), or null.</summary>
    public string? Error { get; init; }

    /// <summary>True when every code cell ran and every figure was exported.</summary>
    public bool Succeeded => Error == null && Result is { Succeeded: true };

    /// <summary>What went wrong, in one line (the failing cell or <see cref="Error"/>), or null.</summary>
    public string? Failure => Error ?? Result?.Failure?.ToString();
}

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
    /// figures/*.png at 2× scale and figures/*.svg with <paramref name="png"/>; a notebook's figures there are replaced
    /// when it runs through, and left as they were when it fails). Every notebook runs even when an earlier one failed,
    /// or could not run at all (its <see cref="ReproducedNotebook.Error"/> says why).
    /// <paramref name="kitVersion"/>, when given, pins the notebooks' floating kit reference (<see cref="NotebookRunOptions.KitVersion"/>).
    /// Cancelling <paramref name="cancellation"/> stops the running notebook's kernel and the reproduction. With
    /// <paramref name="refreshNotebooks"/> (which needs <paramref name="png"/>: the committed figures carry their images) each
    /// notebook that ran through gets its outputs written back into it (<see cref="CommittedOutputs.Refresh"/>).
    /// </summary>
    public static async Task<IReadOnlyList<ReproducedNotebook>> RunAsync(IReadOnlyList<(string Dataset, string Notebook)> plan, string outputRoot, bool png,
        Action<string>? progress = null, string? kitVersion = null, CancellationToken cancellation = default, bool refreshNotebooks = false)
    {
        if (refreshNotebooks && !png) throw new ArgumentException("Refreshing the committed notebooks needs the PNG export: their figures carry their images.", nameof(refreshNotebooks));
        if (png) ChromiumScreenshot.FindChromium();
        var results = new List<ReproducedNotebook>();
        // One chromium exports every figure of the run, started with the first notebook that has figures to export.
        FigureBrowser? browser = null;
        try
        {
            await RunPlanAsync();
        }
        finally
        {
            if (browser != null) await browser.DisposeAsync();
        }
        return results;

        async Task RunPlanAsync()
        {
            // A notebook's figures are exported in chromium while the next notebook runs in its kernel (two processes, two
            // cores); exports run one at a time, in plan order, on the one browser page.
            var finished = new ReproducedNotebook?[plan.Count];
            Task exporting = Task.CompletedTask;
            try
            {
                for (int index = 0; index < plan.Count; index++)
                {
                    (string dataset, string notebook) = plan[index];
                    cancellation.ThrowIfCancellationRequested();
                    progress?.Invoke($"running {dataset}/{Path.GetFileName(notebook)}");
                    string folder = Path.Combine(outputRoot, dataset);
                    // HTML, PNG and SVG figures are written aside and swapped in together once the notebook ran and all were
                    // exported: a failed run leaves the previous run's figures as they were, never a mix of old and new.
                    var figures = new StagedFigures(Path.Combine(folder, "figures"), Path.GetFileNameWithoutExtension(notebook));
                    NotebookRunResult result;
                    try
                    {
                        result = await NotebookRunner.RunAsync(new NotebookRunOptions
                        {
                            NotebookPath = notebook,
                            OutputPath = Path.Combine(folder, Path.GetFileName(notebook)),
                            FigureDirectory = figures.Staging,
                            KitVersion = kitVersion,
                            CellDone = (cell, seconds) => progress?.Invoke($"  cell {cell,3} ran in {seconds,6:0.0} s"),
                        }, cancellation);
                    }
                    catch (Exception e) when (IsNotebookFailure(e))
                    {
                        figures.Dispose();
                        finished[index] = Failed(dataset, notebook, null, e);
                        continue;
                    }
                    progress?.Invoke($"  {Path.GetFileName(notebook)}: {result.Elapsed.TotalSeconds:0.0} s in the kernel");
                    if (result.KernelWarning != null) progress?.Invoke($"  warning: {result.KernelWarning}");
                    await exporting;
                    exporting = Record(index, FinishAsync(dataset, notebook, result, figures));
                }
            }
            finally
            {
                // Never leave an export running against a browser that is about to close.
                await exporting.ContinueWith(_ => { }, TaskContinuationOptions.ExecuteSynchronously);
            }
            await exporting;
            results.AddRange(finished.Select(notebook => notebook!));

            async Task Record(int slot, Task<ReproducedNotebook> finishing) => finished[slot] = await finishing;
        }

        // Exports a notebook's figures (with --png), embeds their images, refreshes the committed notebook when asked, and
        // commits the staged figures; a failure here is that notebook's, and the others go on.
        async Task<ReproducedNotebook> FinishAsync(string dataset, string notebook, NotebookRunResult result, StagedFigures figures)
        {
            using (figures)
            {
                var pngs = new List<string>();
                string name = Path.GetFileName(notebook);
                try
                {
                    if (png && result.Figures.Count > 0)
                    {
                        browser ??= await FigureBrowser.StartAsync();
                        var embedded = new Dictionary<string, byte[]>();
                        var exportClock = System.Diagnostics.Stopwatch.StartNew();
                        foreach (ExportedFigure figure in result.Figures)
                        {
                            cancellation.ThrowIfCancellationRequested();
                            FigureImages images = await browser.ExportAsync(figure);
                            pngs.Add(images.PngPath);
                            embedded[Path.GetFileName(figure.HtmlPath)] = images.EmbeddedWebp;
                        }
                        progress?.Invoke($"  {dataset}/{name}: {result.Figures.Count} figures exported (PNG, SVG) in {exportClock.Elapsed.TotalSeconds:0.0} s");
                        // The executed notebook carries each figure's image, for viewers without JavaScript.
                        NotebookDocument executed = NotebookDocument.Load(result.OutputNotebook);
                        StaticFallback.Embed(executed, Path.GetFileNameWithoutExtension(notebook), embedded);
                        executed.Save(result.OutputNotebook);
                    }
                    if (result.Succeeded && refreshNotebooks)
                    {
                        CommittedOutputs.Refresh(notebook, NotebookDocument.Load(result.OutputNotebook));
                        progress?.Invoke($"  {dataset}/{name}: outputs written into {notebook}");
                    }
                    if (result.Succeeded)
                    {
                        figures.Commit();
                        result = result with { Figures = result.Figures.Select(figure => figure with { HtmlPath = figures.Committed(figure.HtmlPath) }).ToList() };
                        pngs = pngs.Select(figures.Committed).ToList();
                    }
                    return new ReproducedNotebook(dataset, notebook, result, pngs);
                }
                catch (Exception e) when (IsNotebookFailure(e))
                {
                    return Failed(dataset, notebook, result, e);
                }
            }
        }

        // One notebook that cannot run (or whose figures chromium cannot export) does not stop the others; its staged figures
        // are dropped with the staging folder, so it reports none.
        ReproducedNotebook Failed(string dataset, string notebook, NotebookRunResult? result, Exception e)
        {
            string error = e.Message.ReplaceLineEndings(" ");
            progress?.Invoke($"  {dataset}/{Path.GetFileName(notebook)} failed: {error}");
            return new ReproducedNotebook(dataset, notebook, result == null ? null : result with { Figures = Array.Empty<ExportedFigure>() }, Array.Empty<string>())
            {
                Error = error,
            };
        }
    }

    private static bool IsNotebookFailure(Exception e) =>
        e is KernelException or NotebookFormatException or NotebookParameterException or FileNotFoundException or InvalidOperationException
            or TimeoutException or IOException or UnauthorizedAccessException or Microsoft.Playwright.PlaywrightException;
}
