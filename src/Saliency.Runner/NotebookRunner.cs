using System.Text.Json.Nodes;

namespace Saliency.Runner;

/// <summary>What to run and where to write it.</summary>
public sealed record NotebookRunOptions
{
    /// <summary>The .ipynb to execute.</summary>
    public required string NotebookPath { get; init; }

    /// <summary>Where the executed notebook is written (atomically).</summary>
    public required string OutputPath { get; init; }

    /// <summary>Values for the variables of the cell tagged <c>parameters</c> (papermill's <c>-p name value</c>).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// When set, every displayed figure is also written there as a standalone HTML page (plotly.js inline). The notebook's
    /// figures there are replaced when every cell ran, and left as they were when one failed: never a mix of two runs'.
    /// </summary>
    public string? FigureDirectory { get; init; }

    /// <summary>The repository whose pinned kernel (<c>.config/dotnet-tools.json</c>) runs the notebook; null: found above the tool.</summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>
    /// When set, the notebook's floating kit reference (<c>#r "nuget: Saliency.Notebook, *-*"</c>) runs pinned to this
    /// version, the package the caller has just made sure is current: the kernel then restores it from its cache instead
    /// of running msbuild (see <see cref="KitPackage.PinReference"/>); the executed notebook records the version it ran.
    /// </summary>
    public string? KitVersion { get; init; }

    /// <summary>Longest a single cell may run before the run is stopped.</summary>
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Called with each cell's number and its seconds once it has run (progress).</summary>
    public Action<int, double>? CellDone { get; init; }
}

/// <summary>The cell that stopped a run: its 1-based position in the executed notebook and its error.</summary>
public sealed record CellFailure(int CellNumber, string ErrorName, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"cell {CellNumber} failed: {ErrorName}: {Message}";
}

/// <summary>The outcome of one notebook run.</summary>
public sealed record NotebookRunResult(string OutputNotebook, int ExecutedCells, CellFailure? Failure, IReadOnlyList<ExportedFigure> Figures, TimeSpan Elapsed)
{
    /// <summary>True when every code cell ran without an error.</summary>
    public bool Succeeded => Failure == null;

    /// <summary>What the kernel reported besides the notebook's outputs: a failed compiler warm-up (the run was only slower), or null.</summary>
    public string? KernelWarning { get; init; }
}

/// <summary>
/// Runs a notebook headlessly in the real .NET Interactive kernel (the pinned <c>dotnet-interactive</c> tool in stdio
/// mode, as VS Code runs it), papermill-style: code cells in order, parameters injected after the cell tagged
/// <c>parameters</c>, a stop at the first failing cell. The executed notebook (nbformat 4) is written in every case.
/// </summary>
public static class NotebookRunner
{
    /// <summary>Executes <see cref="NotebookRunOptions.NotebookPath"/> in a fresh kernel and writes the executed notebook.</summary>
    public static async Task<NotebookRunResult> RunAsync(NotebookRunOptions options, CancellationToken cancellation = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string notebookPath = Path.GetFullPath(options.NotebookPath);
        // Resolved now: relative outputs mean the caller's folder.
        string outputPath = Path.GetFullPath(options.OutputPath);
        string? figureDirectory = options.FigureDirectory == null ? null : Path.GetFullPath(options.FigureDirectory);
        if (!File.Exists(notebookPath)) throw new FileNotFoundException($"Notebook not found: {notebookPath}", notebookPath);
        string repositoryRoot = options.RepositoryRoot ?? RepositoryLocator.Find();
        NotebookDocument notebook = NotebookDocument.Load(notebookPath);
        notebook.ClearOutputs();
        notebook.StampDotNetKernel();
        int parametersCell = FindParametersCell(notebook, options.Parameters.Count > 0, notebookPath);
        if (options.KitVersion != null) notebook.PinKitReference(options.KitVersion);

        await using KernelSession kernel = await KernelSession.StartAsync(repositoryRoot, Path.GetDirectoryName(notebookPath)!, TimeSpan.FromMinutes(2), cancellation);
        var displays = new Dictionary<string, JsonObject>();
        CellFailure? failure = null;
        int executed = 0;
        for (int index = 0; index < notebook.Cells.Count && failure == null; index++)
        {
            if (notebook.Cells[index] is not JsonObject cell || cell["cell_type"]?.GetValue<string>() != "code") continue;
            executed++;
            var cellClock = System.Diagnostics.Stopwatch.StartNew();
            failure = await RunCellAsync(kernel, cell, index + 1, executed, displays, options.CellTimeout, cancellation);
            options.CellDone?.Invoke(index + 1, cellClock.Elapsed.TotalSeconds);
            if (failure == null && index == parametersCell && options.Parameters.Count > 0)
            {
                IReadOnlyDictionary<string, string> declared = await kernel.VariableTypesAsync(NotebookDocument.Language(cell) ?? "csharp", cancellation);
                string injected;
                try
                {
                    injected = NotebookParameters.InjectedSource(options.Parameters, declared);
                }
                catch (ArgumentException e)
                {
                    throw new NotebookParameterException(e.Message);
                }
                notebook.Cells.Insert(index + 1, notebook.NewCodeCell(injected, NotebookParameters.InjectedTag));
            }
        }
        notebook.Save(outputPath);
        IReadOnlyList<ExportedFigure> exported = Array.Empty<ExportedFigure>();
        if (figureDirectory != null && failure == null)
        {
            // Written aside and moved in together: the folder never mixes these figures with an earlier run's.
            string notebookName = Path.GetFileNameWithoutExtension(notebookPath);
            using var figures = new StagedFigures(figureDirectory, notebookName);
            IReadOnlyList<ExportedFigure> staged = FigureExport.Write(notebook, figures.Staging, notebookName);
            figures.Commit();
            exported = staged.Select(figure => figure with { HtmlPath = figures.Committed(figure.HtmlPath) }).ToList();
        }
        return new NotebookRunResult(outputPath, executed, failure, exported, clock.Elapsed) { KernelWarning = kernel.WarmupFailure };
    }

    private static async Task<CellFailure?> RunCellAsync(KernelSession kernel, JsonObject cell, int cellNumber, int executionCount,
        Dictionary<string, JsonObject> displays, TimeSpan timeout, CancellationToken cancellation)
    {
        cell["execution_count"] = executionCount;
        var outputs = new CellOutputs(executionCount, displays);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            IReadOnlyList<JsonObject> events = await kernel.SubmitAsync(NotebookDocument.Source(cell), NotebookDocument.Language(cell) ?? "csharp",
                cancellation: deadline.Token);
            string rootToken = events[^1]["command"]!["token"]!.GetValue<string>();
            foreach (JsonObject envelope in events) outputs.Add(envelope, envelope["command"]?["token"]?.GetValue<string>() == rootToken);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new KernelException($"Cell {cellNumber} ran longer than {timeout.TotalMinutes:0.#} minutes; the run was stopped.");
        }
        finally
        {
            cell["outputs"] = new JsonArray(outputs.Outputs.Select(output => (JsonNode)output).ToArray());
        }
        if (outputs.FailureMessage == null) return null;
        (string name, string value) = CellOutputs.ErrorNameAndValue(outputs.FailureMessage);
        return new CellFailure(cellNumber, name, value);
    }

    private static int FindParametersCell(NotebookDocument notebook, bool required, string notebookPath)
    {
        // Papermill replaces an earlier injection: drop injected cells left in the input.
        for (int i = notebook.Cells.Count - 1; i >= 0; i--)
            if (notebook.Cells[i] is JsonObject cell && NotebookDocument.Tags(cell).Contains(NotebookParameters.InjectedTag))
                notebook.Cells.RemoveAt(i);
        var tagged = Enumerable.Range(0, notebook.Cells.Count)
            .Where(i => notebook.Cells[i] is JsonObject cell && NotebookDocument.Tags(cell).Contains(NotebookParameters.ParametersTag))
            .ToList();
        if (tagged.Count > 1) throw new NotebookParameterException($"{notebookPath} has {tagged.Count} cells tagged '{NotebookParameters.ParametersTag}'; it may have one.");
        if (tagged.Count == 0 && required) throw new NotebookParameterException($"Parameters were given, but {notebookPath} has no cell tagged '{NotebookParameters.ParametersTag}'.");
        return tagged.Count == 1 ? tagged[0] : -1;
    }
}

/// <summary>The <c>-p</c> parameters do not fit the notebook's <c>parameters</c> cell.</summary>
public sealed class NotebookParameterException(string message) : Exception(message);

/// <summary>Finds the repository (the folder with Saliency.slnx and the pinned kernel) above the running tool.</summary>
public static class RepositoryLocator
{
    /// <summary>The repository root above <see cref="AppContext.BaseDirectory"/>; throws when there is none.</summary>
    public static string Find() => Saliency.Notebook.Data.DataPaths.FindRepoRoot(AppContext.BaseDirectory)
        ?? throw new KernelException($"No repository (Saliency.slnx with .config/dotnet-tools.json) above {AppContext.BaseDirectory}: pass the repository root.");
}
