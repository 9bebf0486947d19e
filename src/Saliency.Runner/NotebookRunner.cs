using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using GenericChart = Plotly.NET.GenericChart;
using Saliency.Notebook.Display;

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

    /// <summary>When set, every displayed figure is also written there as a standalone HTML page (plotly.js inline).</summary>
    public string? FigureDirectory { get; init; }
}

/// <summary>The cell that stopped a run: its 1-based position in the executed notebook and its error.</summary>
public sealed record CellFailure(int CellNumber, string ErrorName, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"cell {CellNumber} failed: {ErrorName}: {Message}";
}

/// <summary>A figure written as a standalone HTML page.</summary>
public sealed record ExportedFigure(string HtmlPath, string Name, int Width, int Height);

/// <summary>The outcome of one notebook run.</summary>
public sealed record NotebookRunResult(string OutputNotebook, int ExecutedCells, CellFailure? Failure, IReadOnlyList<ExportedFigure> Figures)
{
    /// <summary>True when every code cell ran without an error.</summary>
    public bool Succeeded => Failure == null;
}

/// <summary>
/// Runs a C# Polyglot notebook headlessly, as papermill does for Jupyter: code cells in order with shared state
/// (Roslyn scripting), the kit's <c>#r "nuget:"</c> line served from the tool's folder, a <c>display</c> global,
/// outputs formatted by the registered formatters, parameters injected after the <c>parameters</c> cell, and a
/// stop at the first failing cell. The executed notebook is written in every case.
/// </summary>
public static class NotebookRunner
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>
    /// Executes <see cref="NotebookRunOptions.NotebookPath"/> and writes the executed notebook. Only one notebook runs
    /// at a time in a process, because the console and the working directory are process-wide.
    /// </summary>
    public static async Task<NotebookRunResult> RunAsync(NotebookRunOptions options, CancellationToken cancellation = default)
    {
        string notebookPath = Path.GetFullPath(options.NotebookPath);
        // Resolved now: the cells run in the notebook's folder, and relative outputs mean the caller's folder.
        string outputPath = Path.GetFullPath(options.OutputPath);
        string? figureDirectory = options.FigureDirectory == null ? null : Path.GetFullPath(options.FigureDirectory);
        if (!File.Exists(notebookPath)) throw new FileNotFoundException($"Notebook not found: {notebookPath}", notebookPath);
        NotebookDocument notebook = NotebookDocument.Load(notebookPath);
        notebook.ClearOutputs();
        notebook.StampDotNetKernel();
        int parametersCell = FindParametersCell(notebook, options.Parameters.Count > 0, notebookPath);

        await OneAtATime.WaitAsync(cancellation);
        TextWriter originalOut = Console.Out, originalError = Console.Error;
        string originalDirectory = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = Path.GetDirectoryName(notebookPath)!;
            var session = new Session(notebookPath);
            var figures = new List<(int Cell, object Figure)>();
            CellFailure? failure = null;
            int executed = 0;
            for (int index = 0; index < notebook.Cells.Count && failure == null; index++)
            {
                cancellation.ThrowIfCancellationRequested();
                if (notebook.Cells[index] is not JsonObject cell || cell["cell_type"]?.GetValue<string>() != "code") continue;
                executed++;
                cell["execution_count"] = executed;
                var outputs = new CellOutputs();
                session.Globals.Current = outputs;
                Console.SetOut(outputs.StreamWriter("stdout"));
                Console.SetError(outputs.StreamWriter("stderr"));
                try
                {
                    failure = await session.RunCellAsync(cell, index + 1, executed, outputs);
                }
                finally
                {
                    Console.SetOut(originalOut);
                    Console.SetError(originalError);
                    cell["outputs"] = new JsonArray(outputs.Outputs.Select(output => (JsonNode)output).ToArray());
                }
                figures.AddRange(outputs.Figures.Select(figure => (index + 1, figure)));
                if (failure == null && index == parametersCell && options.Parameters.Count > 0)
                {
                    string injected;
                    try
                    {
                        injected = NotebookParameters.InjectedSource(options.Parameters, session.Variables);
                    }
                    catch (ArgumentException e)
                    {
                        throw new NotebookParameterException(e.Message);
                    }
                    notebook.Cells.Insert(index + 1, notebook.NewCodeCell(injected, NotebookParameters.InjectedTag));
                }
            }
            notebook.Save(outputPath);
            IReadOnlyList<ExportedFigure> exported = figureDirectory == null
                ? Array.Empty<ExportedFigure>()
                : ExportFigures(figures, figureDirectory, Path.GetFileNameWithoutExtension(notebookPath));
            return new NotebookRunResult(outputPath, executed, failure, exported);
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
            Environment.CurrentDirectory = originalDirectory;
            OneAtATime.Release();
        }
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

    private static IReadOnlyList<ExportedFigure> ExportFigures(IEnumerable<(int Cell, object Figure)> figures, string directory, string notebookName)
    {
        var exported = new List<ExportedFigure>();
        foreach (var group in figures.GroupBy(item => item.Cell))
        {
            int k = 0;
            foreach ((int cellNumber, object value) in group)
            {
                k++;
                Figure figure = value as Figure ?? Figure.FromChart((GenericChart)value, PlotlyHtml.Title((GenericChart)value) ?? "chart");
                string fileName = $"{notebookName}-cell{cellNumber:D2}-{k}-{Slug(figure.Name)}.html";
                string path = Path.GetFullPath(Path.Combine(directory, fileName));
                AtomicFile.WriteAllText(path, figure.ToStandaloneHtml());
                exported.Add(new ExportedFigure(path, figure.Name, figure.Width, figure.Height));
            }
        }
        return exported;
    }

    private static string Slug(string name) => Regex.Replace(name.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-') is { Length: > 0 } slug ? slug : "figure";

    /// <summary>The Roslyn scripting state shared by the cells of one notebook.</summary>
    private sealed class Session(string notebookPath)
    {
        private readonly string _directory = Path.GetDirectoryName(notebookPath)!;
        private readonly string _name = Path.GetFileNameWithoutExtension(notebookPath);
        private ScriptState<object>? _state;
        private bool _kitLoaded;
        private ScriptOptions _options = ScriptOptions.Default
            .WithReferences(KitReferences.Framework)
            .AddReferences(typeof(NotebookGlobals).Assembly)
            .WithImports("System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Text", "System.Threading.Tasks")
            .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(Path.GetDirectoryName(notebookPath)!))
            .WithSourceResolver(ScriptSourceResolver.Default.WithBaseDirectory(Path.GetDirectoryName(notebookPath)!))
            .WithEmitDebugInformation(true)
            .WithFileEncoding(Encoding.UTF8);

        public NotebookGlobals Globals { get; } = new();

        public IReadOnlyList<ScriptVariable> Variables => _state?.Variables ?? (IReadOnlyList<ScriptVariable>)Array.Empty<ScriptVariable>();

        public async Task<CellFailure?> RunCellAsync(JsonObject cell, int cellNumber, int executionCount, CellOutputs outputs)
        {
            try
            {
                string? language = NotebookDocument.Language(cell);
                if (language != null && language is not ("csharp" or "C#" or "c#"))
                    throw new UnsupportedDirectiveException(1, language, "this cell is not C#; the headless runner runs C# cells only.");
                CellDirectives directives = CellDirectives.Parse(NotebookDocument.Source(cell));
                if (directives.ReferencesKit) await LoadKitAsync(directives.KitVersion, cellNumber);
                if (directives.Code.Trim().Length == 0) return null;
                object? value = await RunAsync(directives.Code, $"{_name}.cell{cellNumber}.csx");
                if (value != null) outputs.Result(value, executionCount);
                return null;
            }
            catch (CompilationErrorException e)
            {
                string[] diagnostics = e.Diagnostics.Select(d => d.ToString()).ToArray();
                outputs.Error("CompilationError", string.Join("\n", diagnostics), diagnostics);
                return new CellFailure(cellNumber, "CompilationError", string.Join("; ", diagnostics));
            }
            catch (Exception e)
            {
                Exception error = Unwrap(e);
                string name = error.GetType().FullName ?? error.GetType().Name;
                outputs.Error(name, error.Message, Traceback(error));
                return new CellFailure(cellNumber, name, error.Message);
            }
        }

        private async Task LoadKitAsync(string? version, int cellNumber)
        {
            if (_kitLoaded) return;
            if (version != null && version != KitReferences.KitVersion)
                throw new InvalidOperationException(
                    $"The notebook asks for {CellDirectives.KitPackageId} {version}; this tool provides {KitReferences.KitVersion}. Change the #r line or run the matching tool.");
            _options = _options.AddReferences(KitReferences.KitAssemblies);
            _kitLoaded = true;
            await RunAsync(KitReferences.ExtensionCode(), $"{_name}.cell{cellNumber}.extension.dib.csx");
        }

        private async Task<object?> RunAsync(string code, string fileName)
        {
            ScriptOptions options = _options.WithFilePath(Path.Combine(_directory, fileName));
            _state = _state == null
                ? await CSharpScript.RunAsync(code, options, Globals, typeof(NotebookGlobals))
                : await _state.ContinueWithAsync(code, options);
            return _state.ReturnValue;
        }

        /// <summary>The exception's text down to the cell's own frames (Roslyn's scripting frames below them say nothing about the notebook).</summary>
        private static string[] Traceback(Exception error) =>
            error.ToString().Replace("\r\n", "\n").Split('\n')
                .Where(line => !line.Contains("Microsoft.CodeAnalysis.Scripting.", StringComparison.Ordinal)
                               && !line.StartsWith("--- End of stack trace", StringComparison.Ordinal))
                .ToArray();

        private static Exception Unwrap(Exception e)
        {
            while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && e.InnerException != null)
                e = e.InnerException!;
            return e;
        }
    }
}

/// <summary>The <c>-p</c> parameters do not fit the notebook's <c>parameters</c> cell.</summary>
public sealed class NotebookParameterException(string message) : Exception(message);
