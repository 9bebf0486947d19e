using System.Text;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Formatting;

namespace Saliency.Runner;

/// <summary>
/// Collects the nbformat outputs of the cell being run: console text as stream outputs (consecutive writes merged),
/// displayed values as display_data, the cell's value as execute_result, and an error. Thread-safe, because
/// code may write or update displays from other threads.
/// </summary>
public sealed class CellOutputs
{
    private readonly object _gate = new();
    private readonly List<JsonObject> _outputs = new();
    private readonly List<object> _figures = new();

    /// <summary>The outputs so far, in order.</summary>
    public IReadOnlyList<JsonObject> Outputs
    {
        get { lock (_gate) return _outputs.ToList(); }
    }

    /// <summary>Displayed or returned values that are figures (kit <c>Figure</c>s, Plotly charts, the figures of a <c>KitView</c>), for export.</summary>
    public IReadOnlyList<object> Figures
    {
        get { lock (_gate) return _figures.ToList(); }
    }

    /// <summary>A writer whose text becomes a stream output named <paramref name="streamName"/> (stdout or stderr).</summary>
    public TextWriter StreamWriter(string streamName) => new StreamCapture(this, streamName);

    /// <summary>Adds a display_data output for <paramref name="value"/> and returns the handle that can replace it later.</summary>
    public DisplayHandle Display(object? value, IReadOnlyCollection<string> mimeTypes)
    {
        var output = new JsonObject { ["output_type"] = "display_data", ["data"] = Format(value, mimeTypes), ["metadata"] = new JsonObject() };
        lock (_gate)
        {
            _outputs.Add(output);
            RememberFigure(value);
        }
        return new DisplayHandle(this, output, mimeTypes);
    }

    /// <summary>Adds the cell's value as an execute_result.</summary>
    public void Result(object? value, int executionCount)
    {
        var output = new JsonObject
        {
            ["output_type"] = "execute_result",
            ["execution_count"] = executionCount,
            ["data"] = Format(value, Array.Empty<string>()),
            ["metadata"] = new JsonObject(),
        };
        lock (_gate)
        {
            _outputs.Add(output);
            RememberFigure(value);
        }
    }

    /// <summary>Adds an error output (ename, evalue, traceback lines).</summary>
    public void Error(string name, string value, IEnumerable<string> traceback)
    {
        var output = new JsonObject
        {
            ["output_type"] = "error",
            ["ename"] = name,
            ["evalue"] = value,
            ["traceback"] = new JsonArray(traceback.Select(line => (JsonNode)line).ToArray()),
        };
        lock (_gate) _outputs.Add(output);
    }

    internal void Replace(JsonObject output, object? value, IReadOnlyCollection<string> mimeTypes)
    {
        JsonObject data = Format(value, mimeTypes);
        lock (_gate)
        {
            output["data"] = data;
            RememberFigure(value);
        }
    }

    /// <summary>
    /// The value formatted by the registered formatters: text/html and text/plain (strings: text/plain only),
    /// or the MIME types the caller asked for.
    /// </summary>
    public static JsonObject Format(object? value, IReadOnlyCollection<string> mimeTypes)
    {
        IEnumerable<string> types = mimeTypes.Count > 0 ? mimeTypes
            : value is string ? new[] { "text/plain" }
            : new[] { "text/html", "text/plain" };
        var data = new JsonObject();
        foreach (string mimeType in types) data[mimeType] = value.ToDisplayString(mimeType);
        return data;
    }

    private void RememberFigure(object? value)
    {
        if (value is Saliency.Notebook.Display.KitView view)
            foreach (object figure in view.Figures.Where(figure => !_figures.Contains(figure))) _figures.Add(figure);
        else if (value is Saliency.Notebook.Display.Figure or Plotly.NET.GenericChart && !_figures.Contains(value)) _figures.Add(value);
    }

    private void AppendStream(string streamName, string text)
    {
        if (text.Length == 0) return;
        lock (_gate)
        {
            if (_outputs.Count > 0 && _outputs[^1] is var last
                && last["output_type"]?.GetValue<string>() == "stream" && last["name"]?.GetValue<string>() == streamName)
                last["text"] = last["text"]!.GetValue<string>() + text;
            else
                _outputs.Add(new JsonObject { ["output_type"] = "stream", ["name"] = streamName, ["text"] = text });
        }
    }

    private sealed class StreamCapture(CellOutputs outputs, string streamName) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) => outputs.AppendStream(streamName, value.ToString());
        public override void Write(string? value) => outputs.AppendStream(streamName, value ?? "");
        public override void Write(char[] buffer, int index, int count) => outputs.AppendStream(streamName, new string(buffer, index, count));
    }
}

/// <summary>
/// What <c>display(value)</c> returns, like .NET Interactive's DisplayedValue: <see cref="Update"/> replaces the
/// shown output, so the saved notebook holds the last state (a live view becomes its final snapshot).
/// </summary>
public sealed class DisplayHandle
{
    private readonly CellOutputs _outputs;
    private readonly JsonObject _output;
    private readonly IReadOnlyCollection<string> _mimeTypes;

    internal DisplayHandle(CellOutputs outputs, JsonObject output, IReadOnlyCollection<string> mimeTypes)
    {
        _outputs = outputs;
        _output = output;
        _mimeTypes = mimeTypes;
    }

    /// <summary>Replaces the displayed output with <paramref name="value"/> formatted anew.</summary>
    public void Update(object? value) => _outputs.Replace(_output, value, _mimeTypes);
}

/// <summary>
/// The globals of every cell, as .NET Interactive gives them: <c>display(value)</c> shows a value with the
/// registered formatters and returns a handle whose <c>Update</c> replaces it.
/// </summary>
public sealed class NotebookGlobals
{
    internal CellOutputs Current { get; set; } = new();

    /// <summary>Shows <paramref name="value"/> as an output of the running cell (text/html and text/plain, or the given MIME types).</summary>
#pragma warning disable IDE1006 // lower case, as in .NET Interactive
    public DisplayHandle display(object? value, params string[] mimeTypes) => Current.Display(value, mimeTypes);
#pragma warning restore IDE1006
}
