namespace Saliency.Notebook.Tests.Runner;

/// <summary>A notebook file that is not nbformat 4 is refused before a kernel starts, in one line that names the wrong field.</summary>
[Collection(NotebookSessionCollection.Name)] // swaps Console.Error
public sealed class NotebookFormatTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("saliency-notebook-format-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("""{"cells":[],"nbformat":"4"}""", "\"nbformat\" is a string, not a whole number")]
    [InlineData("""{"cells":[]}""", "\"nbformat\" is missing, not a whole number")]
    [InlineData("""{"cells":[],"nbformat":4,"nbformat_minor":"5"}""", "\"nbformat_minor\" is a string; nbformat 4 wants a whole number")]
    [InlineData("""{"cells":[],"nbformat":4,"metadata":[]}""", "\"metadata\" is a list; nbformat 4 wants an object")]
    [InlineData("""{"cells":[3],"nbformat":4}""", "cell 1 is a number, not an object")]
    [InlineData("""{"cells":[{"cell_type":"code","source":""},{"source":""}],"nbformat":4}""", "cell 2's \"cell_type\" is missing; nbformat 4 wants a string")]
    [InlineData("""{"cells":[{"cell_type":"code","source":5}],"nbformat":4}""", "cell 1's \"source\" is a number; nbformat 4 wants a string or a list of strings")]
    [InlineData("""{"cells":[{"cell_type":"code","source":["a",1]}],"nbformat":4}""", "cell 1's \"source\" is a list; nbformat 4 wants a string or a list of strings")]
    [InlineData("""{"cells":[{"cell_type":"code","source":"","outputs":{}}],"nbformat":4}""", "cell 1's \"outputs\" is an object; nbformat 4 wants a list")]
    [InlineData("""{"cells":[{"cell_type":"code","source":"","execution_count":"1"}],"nbformat":4}""", "cell 1's \"execution_count\" is a string; nbformat 4 wants null or a whole number")]
    [InlineData("""{"cells":[{"cell_type":"code","source":"","metadata":{"tags":"parameters"}}],"nbformat":4}""", "cell 1's metadata \"tags\" is a string; nbformat 4 wants a list of strings")]
    [InlineData("""{"cells":[{"cell_type":"code","source":"","metadata":{"dotnet_interactive":{"language":7}}}],"nbformat":4}""", "cell 1's metadata \"dotnet_interactive.language\" is a number; nbformat 4 wants a string")]
    public void A_malformed_notebook_is_refused_in_one_line_naming_the_field(string json, string expected)
    {
        string notebook = Path.Combine(_folder, "malformed.ipynb");
        File.WriteAllText(notebook, json);

        (int code, string error) = RunnerTests.Saliency("run", notebook, "--out", Path.Combine(_folder, "out"));

        Assert.Equal(1, code);
        Assert.Equal($"{notebook}: {notebook} is not {(expected.StartsWith("\"nbformat\"") ? "a Jupyter notebook" : "a valid nbformat 4 notebook")}: {expected}.", error.TrimEnd());
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")));
    }
}
