using Microsoft.DotNet.Interactive.Formatting;
using Saliency.Notebook.Display;
using Saliency.Notebook.Interactive;
using Saliency.Notebook.IO;
using Saliency.Notebook.Native;

namespace Saliency.Notebook.Apps;

/// <summary>
/// The kit's adapter for a notebook exported as a C# file-based app (<c>saliency export NOTEBOOK --to app</c>, run with
/// <c>dotnet run NOTEBOOK.cs</c>): the functions a cell calls in the kernel (<c>LoadTorchBackend</c>, <c>DisplayLive</c>) and what
/// the kernel does with a cell's last value, which here becomes files: each figure as the page a kernel run's figure export writes,
/// under the same name, and the cell's whole output (its tables included) as one page. No kernel is involved.
/// </summary>
public static class NotebookApp
{
    private static string? _notebook;
    private static string? _figures;
    private static int _cell;
    private static int _figuresOfCell;

    /// <summary>
    /// Starts the app: registers the kit's formatters, runs in <paramref name="notebookFolder"/> (the notebook's own folder, so its
    /// relative paths hold) and writes <paramref name="notebookName"/>'s figures under <paramref name="figureFolder"/>.
    /// </summary>
    public static void Start(string notebookName, string notebookFolder, string figureFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(notebookName);
        NotebookDisplay.Register(PlotlyJsSource.Cdn);        // a cell's output page inlines plotly.js itself (PlotlyHtml.Page)
        Directory.SetCurrentDirectory(notebookFolder);
        _notebook = notebookName;
        _figures = Path.GetFullPath(figureFolder);
        Directory.CreateDirectory(_figures);
    }

    /// <summary>Marks the start of the notebook's cell <paramref name="number"/> (from 1, markdown cells counted, as a kernel run's figure names).</summary>
    public static void Cell(int number)
    {
        _cell = number;
        _figuresOfCell = 0;
    }

    /// <summary>The app's libtorch: the package the app references (<c>#:package</c>), loaded and checked as in the kernel.</summary>
    public static Task<TorchReport> LoadTorchBackend(string backend, string device = "auto")
    {
        TorchBackend.Use(backend);
        var report = TorchRuntime.Inspect(device);
        if (!report.Works) throw new InvalidOperationException($"torch does not work with backend '{backend}' and device '{device}': {report.Failure}");
        return Task.FromResult(report);
    }

    /// <summary>A live display: each update writes the cell's files again, so they end in the final state.</summary>
    public static LiveDisplay DisplayLive(object value)
    {
        var display = new LiveDisplay(_cell);
        display.Update(value);
        return display;
    }

    /// <summary>Writes what the kernel would show for <paramref name="value"/>, a cell's last value: its figures and its whole output.</summary>
    public static void Show(object? value) => Write(value, _cell, restart: false);

    private static void Write(object? value, int cell, bool restart)
    {
        if (value is null) return;
        if (_notebook is null || _figures is null) throw new InvalidOperationException("Call NotebookApp.Start first.");
        if (restart) _figuresOfCell = 0;
        string html = value.ToDisplayString("text/html");
        foreach (var (name, width, height, body) in FigureFiles.Find(html))
        {
            FigureFiles.WritePlotlyJs(_figures);
            AtomicFile.WriteAllText(Path.Combine(_figures, FigureFiles.FileName(_notebook, cell, ++_figuresOfCell, name)), FigureFiles.Page(name, width, height, body));
        }
        AtomicFile.WriteAllText(Path.Combine(_figures, $"{FigureFiles.FilePrefix(_notebook)}{cell:D2}-output.html"),
            PlotlyHtml.Page($"{_notebook}, cell {cell}", [html]));
    }

    /// <summary>What <see cref="DisplayLive"/> returns: <see cref="Update"/> rewrites the cell's files.</summary>
    public sealed class LiveDisplay(int cell)
    {
        /// <summary>Replaces the cell's files with those of <paramref name="value"/>.</summary>
        public void Update(object value) => Write(value, cell, restart: true);
    }
}
