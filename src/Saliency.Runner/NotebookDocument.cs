using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Saliency.Notebook.IO;

namespace Saliency.Runner;

/// <summary>
/// An nbformat 4 notebook held as JSON, with the few operations the runner needs: read cells, clear and set
/// outputs, insert a cell, stamp the .NET kernelspec, and write atomically.
/// </summary>
public sealed class NotebookDocument
{
    private readonly JsonObject _root;

    private NotebookDocument(JsonObject root) => _root = root;

    /// <summary>The cells, in order (live JSON objects: changes write through).</summary>
    public JsonArray Cells => (JsonArray)_root["cells"]!;

    /// <summary>The notebook's metadata (live; created empty when the file has none).</summary>
    public JsonObject Metadata
    {
        get
        {
            if (_root["metadata"] is not JsonObject metadata) _root["metadata"] = metadata = new JsonObject();
            return metadata;
        }
    }

    /// <summary>Reads an .ipynb file; only nbformat 4 is accepted.</summary>
    public static NotebookDocument Load(string path)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new NotebookFormatException($"{path} is not valid JSON: {e.Message}");
        }
        if (node is not JsonObject root || root["cells"] is not JsonArray cells)
            throw new NotebookFormatException($"{path} is not a Jupyter notebook (no \"cells\" array).");
        if (root["nbformat"] is not JsonValue format || format.GetValueKind() != JsonValueKind.Number || !format.TryGetValue(out int major))
            throw new NotebookFormatException($"{path} is not a Jupyter notebook: \"nbformat\" is {(root.ContainsKey("nbformat") ? Describe(root["nbformat"]) : "missing")}, not a whole number.");
        if (major != 4) throw new NotebookFormatException($"{path} is nbformat {major}; the runner reads nbformat 4 only.");
        string? problem = Check(root, "\"nbformat_minor\"", "nbformat_minor", JsonKind.WholeNumber | JsonKind.Missing)
            ?? Check(root, "\"metadata\"", "metadata", JsonKind.Object | JsonKind.Missing)
            ?? cells.Select((cell, index) => CellProblem(cell, index + 1)).FirstOrDefault(found => found != null);
        if (problem != null) throw new NotebookFormatException($"{path} is not a valid nbformat 4 notebook: {problem}.");
        return new NotebookDocument(root);
    }

    /// <summary>The JSON types a notebook field may have (nbformat 4's schema, as far as the runner reads it).</summary>
    [Flags]
    private enum JsonKind
    {
        Missing = 1, Null = 2, String = 4, WholeNumber = 8, Object = 16, Array = 32, StringArray = 64,
    }

    /// <summary>What is wrong with cell <paramref name="number"/> (1-based), or null.</summary>
    private static string? CellProblem(JsonNode? node, int number)
    {
        string cell = $"cell {number}";
        if (node is not JsonObject fields) return $"{cell} is {Describe(node)}, not an object";
        string? problem = Check(fields, $"{cell}'s \"cell_type\"", "cell_type", JsonKind.String)
            ?? Check(fields, $"{cell}'s \"source\"", "source", JsonKind.String | JsonKind.StringArray | JsonKind.Missing)
            ?? Check(fields, $"{cell}'s \"metadata\"", "metadata", JsonKind.Object | JsonKind.Missing)
            ?? Check(fields, $"{cell}'s \"outputs\"", "outputs", JsonKind.Array | JsonKind.Missing)
            ?? Check(fields, $"{cell}'s \"execution_count\"", "execution_count", JsonKind.WholeNumber | JsonKind.Null | JsonKind.Missing);
        if (problem != null || fields["metadata"] is not JsonObject metadata) return problem;
        return Check(metadata, $"{cell}'s metadata \"tags\"", "tags", JsonKind.StringArray | JsonKind.Missing)
            ?? (metadata["dotnet_interactive"] is JsonObject dotnet
                ? Check(dotnet, $"{cell}'s metadata \"dotnet_interactive.language\"", "language", JsonKind.String | JsonKind.Missing)
                : Check(metadata, $"{cell}'s metadata \"dotnet_interactive\"", "dotnet_interactive", JsonKind.Object | JsonKind.Missing))
            ?? (metadata["polyglot_notebook"] is JsonObject polyglot
                ? Check(polyglot, $"{cell}'s metadata \"polyglot_notebook.kernelName\"", "kernelName", JsonKind.String | JsonKind.Missing)
                : Check(metadata, $"{cell}'s metadata \"polyglot_notebook\"", "polyglot_notebook", JsonKind.Object | JsonKind.Missing));
    }

    /// <summary>Null when <paramref name="parent"/>'s <paramref name="field"/> has one of the <paramref name="allowed"/> kinds, else what it is instead.</summary>
    private static string? Check(JsonObject parent, string label, string field, JsonKind allowed)
    {
        JsonKind actual = !parent.TryGetPropertyValue(field, out JsonNode? value) ? JsonKind.Missing : value switch
        {
            null => JsonKind.Null,
            JsonObject => JsonKind.Object,
            JsonArray items when items.All(item => item is JsonValue text && text.GetValueKind() == JsonValueKind.String) => JsonKind.StringArray | JsonKind.Array,
            JsonArray => JsonKind.Array,
            JsonValue text when text.GetValueKind() == JsonValueKind.String => JsonKind.String,
            JsonValue number when number.GetValueKind() == JsonValueKind.Number && number.TryGetValue(out long _) => JsonKind.WholeNumber,
            _ => 0,
        };
        if ((actual & allowed) != 0) return null;
        string wanted = string.Join(" or ", Enum.GetValues<JsonKind>().Where(kind => kind != JsonKind.Missing && allowed.HasFlag(kind)).Select(Name));
        return $"{label} is {(actual == JsonKind.Missing ? "missing" : Describe(value))}; nbformat 4 wants {wanted}";
    }

    private static string Name(JsonKind kind) => kind switch
    {
        JsonKind.Null => "null",
        JsonKind.String => "a string",
        JsonKind.WholeNumber => "a whole number",
        JsonKind.Object => "an object",
        JsonKind.Array => "a list",
        _ => "a list of strings",
    };

    /// <summary>A JSON value's type in words ("a number", "a list"), for the error messages.</summary>
    private static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => "a boolean",
    };

    /// <summary>The text of a cell's "source" (a string or a list of lines in nbformat).</summary>
    public static string Source(JsonObject cell) => cell["source"] switch
    {
        JsonArray lines => string.Concat(lines.Select(line => line?.GetValue<string>() ?? "")),
        JsonValue value => value.GetValue<string>(),
        _ => "",
    };

    /// <summary>Pins the floating kit reference of every code cell to <paramref name="version"/> (<see cref="KitPackage.PinReference"/>).</summary>
    public void PinKitReference(string version)
    {
        foreach (JsonObject cell in Cells.OfType<JsonObject>().Where(cell => cell["cell_type"]?.GetValue<string>() == "code"))
        {
            string source = Source(cell);
            string pinned = KitPackage.PinReference(source, version);
            if (pinned != source) cell["source"] = SourceLines(pinned);
        }
    }

    /// <summary>The cell's metadata tags.</summary>
    public static IReadOnlyList<string> Tags(JsonObject cell) =>
        (cell["metadata"]?["tags"] as JsonArray)?.Select(tag => tag!.GetValue<string>()).ToList() ?? new List<string>();

    /// <summary>
    /// The cell's Polyglot Notebooks language (metadata dotnet_interactive.language or polyglot_notebook.kernelName),
    /// or null when the cell does not say (then the notebook's C# kernel applies).
    /// </summary>
    public static string? Language(JsonObject cell) =>
        cell["metadata"]?["dotnet_interactive"]?["language"]?.GetValue<string>()
        ?? cell["metadata"]?["polyglot_notebook"]?["kernelName"]?.GetValue<string>();

    /// <summary>A new code cell (nbformat 4) with the given source and tags.</summary>
    public JsonObject NewCodeCell(string source, params string[] tags)
    {
        var cell = new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["metadata"] = new JsonObject { ["tags"] = new JsonArray(tags.Select(tag => (JsonNode)tag).ToArray()) },
            ["outputs"] = new JsonArray(),
            ["source"] = SourceLines(source),
        };
        if (NeedsCellIds) cell["id"] = Guid.NewGuid().ToString("N")[..8];
        return cell;
    }

    /// <summary>Empties every code cell's outputs and execution count (a run starts from a clean notebook).</summary>
    public void ClearOutputs()
    {
        foreach (JsonObject cell in Cells.OfType<JsonObject>().Where(cell => cell["cell_type"]?.GetValue<string>() == "code"))
        {
            cell["outputs"] = new JsonArray();
            cell["execution_count"] = null;
        }
    }

    /// <summary>Marks the notebook as a .NET (C#) notebook, as Polyglot Notebooks saves it.</summary>
    public void StampDotNetKernel()
    {
        var metadata = _root["metadata"] as JsonObject ?? new JsonObject();
        _root["metadata"] = metadata;
        metadata["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" };
        metadata["language_info"] = new JsonObject { ["name"] = "C#", ["file_extension"] = ".cs", ["mimetype"] = "text/x-csharp", ["pygments_lexer"] = "csharp" };
    }

    /// <summary>
    /// Writes the notebook to <paramref name="path"/> through a temporary file and a rename, as Jupyter writes notebooks (keys
    /// sorted, one space of indent, non-ASCII as is), so a notebook saved here and in Jupyter differs only where its content does.
    /// </summary>
    public void Save(string path)
    {
        string json = Sorted(_root)!.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true, IndentSize = 1, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        AtomicFile.WriteAllText(path, json + "\n");
    }

    /// <summary>A deep copy of <paramref name="node"/> with every object's keys in ordinal order (Python's <c>sort_keys</c>).</summary>
    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject fields => new JsonObject(fields.OrderBy(field => field.Key, StringComparer.Ordinal).Select(field => KeyValuePair.Create(field.Key, Sorted(field.Value)))),
        JsonArray items => new JsonArray(items.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };

    /// <summary>nbformat's multi-line string form: a list of lines, each but the last ending in "\n".</summary>
    public static JsonArray SourceLines(string text)
    {
        var lines = new JsonArray();
        int start = 0;
        while (start < text.Length)
        {
            int end = text.IndexOf('\n', start);
            if (end < 0) end = text.Length - 1;
            lines.Add((JsonNode)text.Substring(start, end - start + 1));
            start = end + 1;
        }
        return lines;
    }

    private bool NeedsCellIds => (_root["nbformat_minor"]?.GetValue<int>() ?? 0) >= 5;
}

/// <summary>The file is not a notebook the runner can read.</summary>
public sealed class NotebookFormatException(string message) : Exception(message);
