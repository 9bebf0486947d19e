using System.Text;
using System.Text.Json.Nodes;
using Saliency.Notebook.IO;

namespace Saliency.Runner;

/// <summary>
/// Turns a notebook into a C# file-based app (<c>dotnet run NOTEBOOK.cs</c>, nothing but the .NET SDK): pinned <c>#:package</c>
/// lines for the kit and its CPU libtorch, the notebook's markdown as comments, every <c>using</c> hoisted to the top, the kit's
/// app adapter (<c>Saliency.Notebook.Apps.NotebookApp</c>) in place of the kernel's functions, and each cell's last value, which
/// the kernel would display, written as files instead (the same figure names as a kernel run). A <c>nuget.config</c> beside it
/// lets only the kit's local feed serve the kit, as <c>notebooks/nuget.config</c> does.
/// </summary>
public static class AppExport
{
    /// <summary>The CPU libtorch the app references (TorchSharp 0.107.0's).</summary>
    public const string LibTorchPackage = "libtorch-cpu-linux-x64@2.10.0";

    /// <summary>
    /// Writes <c>&lt;out&gt;/&lt;notebook&gt;.cs</c> and <c>&lt;out&gt;/nuget.config</c> for the notebook at <paramref name="notebookPath"/>,
    /// referencing kit version <paramref name="kitVersion"/> from <paramref name="feed"/>; the app writes its files into
    /// <c>&lt;out&gt;/figures</c>. Returns the app's path.
    /// </summary>
    public static string Write(string notebookPath, string outputDirectory, string kitVersion, string feed)
    {
        string notebook = Path.GetFullPath(notebookPath);
        if (!File.Exists(notebook)) throw new FileNotFoundException($"No notebook at {notebookPath}.", notebookPath);
        string name = Path.GetFileNameWithoutExtension(notebook);
        string output = Path.GetFullPath(outputDirectory);
        var cells = NotebookDocument.Load(notebook).Cells.Select(c => c!.AsObject()).ToList();

        var usings = new List<string>();
        var body = new StringBuilder();
        for (int index = 0; index < cells.Count; index++)
        {
            string source = Source(cells[index]);
            if ((string?)cells[index]["cell_type"] != "code")
            {
                body.Append(Comment(source)).Append('\n');
                continue;
            }
            body.Append($"Cell({index + 1});\n");
            var code = new List<string>();
            foreach (string line in source.Replace("\r\n", "\n").Split('\n'))
            {
                if (line.StartsWith("using ", StringComparison.Ordinal) && line.TrimEnd().EndsWith(';') && !line.Contains('(') && !line.Contains('=')) usings.Add(line.Trim());
                else code.Add(line);
            }
            string text = string.Join('\n', code).Trim();
            if (text.StartsWith("#!", StringComparison.Ordinal) || text.StartsWith("#r ", StringComparison.Ordinal) || text.Contains("\"RestoreConfigFile\"", StringComparison.Ordinal))
            {
                // A kernel's own cell (another language, the kit's #r, the kernel's NuGet configuration): the app's #:package lines stand for it.
                body.Append(Comment("(kernel cell, not part of the app)\n" + text)).Append('\n');
                continue;
            }
            body.Append(WithLastValueShown(text)).Append("\n\n");
        }

        var app = new StringBuilder();
        app.Append($"// {name}: the notebook {notebook} as a C# file-based app. Run: dotnet run {Path.Combine(output, name + ".cs")}\n");
        app.Append($"// Its figures and each cell's output go to {Path.Combine(output, "figures")}. Written by `saliency export`.\n");
        app.Append($"#:package Saliency.Notebook@{kitVersion}\n#:package {LibTorchPackage}\n");
        // A file-based app is built for native AOT by default, which turns off the reflection that TorchSharp and the kit's JSON use.
        app.Append("#:property PublishAot=false\n#:property JsonSerializerIsReflectionEnabledByDefault=true\n\n");
        foreach (string line in usings.Distinct()) app.Append(line).Append('\n');
        app.Append("using static Saliency.Notebook.Apps.NotebookApp;\n\n");
        app.Append($"Start({Literal(name)}, {Literal(Path.GetDirectoryName(notebook)!)}, {Literal(Path.Combine(output, "figures"))});\n\n");
        app.Append(body);
        Directory.CreateDirectory(output);
        string appPath = Path.Combine(output, name + ".cs");
        AtomicFile.WriteAllText(appPath, app.ToString());
        AtomicFile.WriteAllText(Path.Combine(output, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <!-- The exported app's NuGet sources: the kit only from its local feed, everything else from nuget.org (as notebooks/nuget.config). -->
            <configuration>
              <packageSources>
                <clear />
                <add key="saliency-notebook-kit" value="{Path.GetFullPath(feed)}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="saliency-notebook-kit"><package pattern="Saliency.Notebook" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>

            """);
        return appPath;
    }

    /// <summary>
    /// The cell's code with its last value, when it ends in one (a last line that is no statement: no ';' or '}' at its end), passed to
    /// <c>Show</c>, as the kernel displays it. The value starts after the last line that ends a statement.
    /// </summary>
    public static string WithLastValueShown(string code)
    {
        var lines = code.Split('\n').ToList();
        int last = lines.FindLastIndex(line => line.Trim().Length > 0);
        if (last < 0) return code;
        static bool EndsStatement(string line) => WithoutComment(line).TrimEnd() is var t && (t.Length == 0 || t.EndsWith(';') || t.EndsWith('}') || t.EndsWith('{'));
        if (EndsStatement(lines[last])) return code;
        int first = last;
        while (first > 0 && lines[first - 1].Trim().Length > 0 && !EndsStatement(lines[first - 1])) first--;
        // An if/else/for/while line without braces governs the next line: that line is a statement, not the cell's value.
        string value = string.Join('\n', lines.Skip(first).Take(last - first + 1)).Trim();
        return string.Join('\n', lines.Take(first).Append($"Show({value});"));
    }

    /// <summary>The line without a trailing <c>//</c> comment (one outside a string literal).</summary>
    private static string WithoutComment(string line)
    {
        bool inString = false;
        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] == '"' && (i == 0 || line[i - 1] != '\\')) inString = !inString;
            else if (!inString && line[i] == '/' && i + 1 < line.Length && line[i + 1] == '/') return line[..i];
        }
        return line;
    }

    private static string Source(JsonObject cell) =>
        cell["source"] is JsonArray lines ? string.Concat(lines.Select(line => (string?)line)) : (string?)cell["source"] ?? "";

    private static string Comment(string text) => string.Join('\n', text.Replace("\r\n", "\n").Split('\n').Select(line => ("// " + line).TrimEnd()));

    private static string Literal(string text) => "@\"" + text.Replace("\"", "\"\"") + "\"";
}
