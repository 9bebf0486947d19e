using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Saliency.Runner;

/// <summary>
/// Turns the kernel's events for one cell into nbformat 4 outputs, as a Jupyter client keeps them: displayed values
/// as display_data (a later DisplayedValueUpdated replaces its display in place, so a live view is saved in its final
/// state), the cell's value as execute_result, console text as stream outputs (consecutive writes merged) and a
/// failure as an error output.
/// </summary>
public sealed class CellOutputs
{
    private readonly List<JsonObject> _outputs = new();
    private readonly Dictionary<string, JsonObject> _displays;
    private readonly int _executionCount;

    /// <summary>Outputs of the cell run with <paramref name="executionCount"/>; <paramref name="displays"/> maps value ids of the whole notebook to their outputs.</summary>
    public CellOutputs(int executionCount, Dictionary<string, JsonObject> displays)
    {
        _executionCount = executionCount;
        _displays = displays;
    }

    /// <summary>The outputs so far, in order.</summary>
    public IReadOnlyList<JsonObject> Outputs => _outputs;

    /// <summary>The failure message when the cell's command failed, else null.</summary>
    public string? FailureMessage { get; private set; }

    /// <summary>Adds what one event envelope means for the cell's outputs.</summary>
    public void Add(JsonObject envelope, bool isRootCommand)
    {
        JsonObject? body = envelope["event"] as JsonObject;
        switch (KernelSession.EventType(envelope))
        {
            case "DisplayedValueProduced":
                JsonObject display = Output("display_data", body);
                _outputs.Add(display);
                if (body?["valueId"]?.GetValue<string>() is { } valueId) _displays[valueId] = display;
                break;
            case "DisplayedValueUpdated":
                // As a Jupyter client does: an update replaces the display with its id, and one for an unknown id is dropped.
                if (body?["valueId"]?.GetValue<string>() is { } updatedId && _displays.TryGetValue(updatedId, out JsonObject? shown))
                    shown["data"] = Data(body);
                break;
            case "ReturnValueProduced":
                JsonObject result = Output("execute_result", body);
                result["execution_count"] = _executionCount;
                _outputs.Add(result);
                break;
            case "StandardOutputValueProduced":
                AppendStream("stdout", PlainText(body));
                break;
            case "StandardErrorValueProduced":
                AppendStream("stderr", PlainText(body));
                break;
            case "CommandFailed" when isRootCommand:
                FailureMessage = body?["message"]?.GetValue<string>() ?? "the command failed";
                (string name, string value) = ErrorNameAndValue(FailureMessage);
                _outputs.Add(new JsonObject
                {
                    ["output_type"] = "error",
                    ["ename"] = name,
                    ["evalue"] = value,
                    ["traceback"] = new JsonArray(FailureMessage.Replace("\r\n", "\n").Split('\n').Select(line => (JsonNode)line).ToArray()),
                });
                break;
        }
    }

    /// <summary>
    /// The exception type and message of a kernel failure text ("System.X: message\n   at ..."), or "Error" and the
    /// first line for compiler diagnostics and other messages.
    /// </summary>
    public static (string Name, string Value) ErrorNameAndValue(string message)
    {
        string first = message.Replace("\r\n", "\n").Split('\n')[0];
        Match match = Regex.Match(first, @"^([A-Za-z_][\w.]*(?:Exception|Error)):\s*(.*)$");
        return match.Success ? (match.Groups[1].Value, match.Groups[2].Value) : ("Error", first);
    }

    private JsonObject Output(string type, JsonObject? body) => new()
    {
        ["output_type"] = type,
        ["data"] = Data(body),
        ["metadata"] = new JsonObject(),
    };

    /// <summary>The formatted values of a display event as nbformat's MIME bundle (suppressed ones left out).</summary>
    private static JsonObject Data(JsonObject? body)
    {
        var data = new JsonObject();
        foreach (JsonNode? value in body?["formattedValues"]?.AsArray() ?? new JsonArray())
        {
            if (value?["suppressDisplay"]?.GetValue<bool>() == true) continue;
            if (value?["mimeType"]?.GetValue<string>() is { } mimeType) data[mimeType] = value["value"]?.GetValue<string>() ?? "";
        }
        return data;
    }

    private static string PlainText(JsonObject? body) =>
        string.Concat((body?["formattedValues"]?.AsArray() ?? new JsonArray())
            .Where(value => value?["mimeType"]?.GetValue<string>() == "text/plain")
            .Select(value => value!["value"]?.GetValue<string>() ?? ""));

    private void AppendStream(string streamName, string text)
    {
        if (text.Length == 0) return;
        if (_outputs.Count > 0 && _outputs[^1] is var last
            && last["output_type"]?.GetValue<string>() == "stream" && last["name"]?.GetValue<string>() == streamName)
            last["text"] = last["text"]!.GetValue<string>() + text;
        else
            _outputs.Add(new JsonObject { ["output_type"] = "stream", ["name"] = streamName, ["text"] = text });
    }
}
