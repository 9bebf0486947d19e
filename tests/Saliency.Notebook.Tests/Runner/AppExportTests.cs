using System.Diagnostics;
using System.Text.RegularExpressions;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>
/// A kernel-free path to every figure: the symbols notebook exported as a C# file-based app and run with `dotnet run` (the .NET SDK
/// alone) writes the figures a kernel run writes, under the same names, and its maps equal the kernel run's.
/// </summary>
[Collection(NotebookSessionCollection.Name)]
public sealed class AppExportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("saliency-app-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_exported_symbols_app_writes_the_kernel_runs_figures_and_maps()
    {
        _ = TestData.DataDirectory;                                            // the notebook's default dataFolder, ../../data, filled
        string notebook = Path.Combine(Repository.Root, "notebooks", "symbols", "symbols.ipynb");
        string app = AppExport.Write(notebook, Path.Combine(_folder, "app"), KitPackage.VersionOf(KitFeed.EnsurePacked()), KitFeed.Folder);
        string source = File.ReadAllText(app);
        Assert.Contains("#:package Saliency.Notebook@", source);
        Assert.Contains("#:package " + AppExport.LibTorchPackage, source);
        Assert.Contains("// ## Step 2 · |GradCAM| towards every latent dimension", source);        // the markdown, as comments
        Assert.DoesNotContain("#r \"nuget", source.Split('\n').Where(line => !line.StartsWith("//", StringComparison.Ordinal)));

        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(app)!, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "run", app }) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using (var run = Process.Start(start)!)
        {
            Task<string> error = run.StandardError.ReadToEndAsync();
            string output = await run.StandardOutput.ReadToEndAsync();
            await run.WaitForExitAsync();
            Assert.True(run.ExitCode == 0, $"dotnet run {app} exited {run.ExitCode}:\n{output}\n{error.Result}");
        }

        // The kernel run with the notebook's own parameters, as the app has them (injected parameters would add a cell and shift the names).
        string kernelFigures = Path.Combine(_folder, "kernel");
        NotebookRunResult kernel = await NotebookRunner.RunAsync(new NotebookRunOptions
        {
            NotebookPath = notebook,
            OutputPath = Path.Combine(_folder, "symbols.ipynb"),
            FigureDirectory = kernelFigures,
        });
        Assert.True(kernel.Succeeded, kernel.Failure?.ToString());

        string appFigures = Path.Combine(_folder, "app", "figures");
        string[] names = Directory.GetFiles(kernelFigures, "*.html").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(15, names.Length);                                                      // with the local-against-global masking figure (issue 37)
        Assert.Equal(names, Directory.GetFiles(appFigures, "symbols-cell*-*-*.html").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // Every figure but the step timings is the same page, its plot's element id aside: the maps above all.
        foreach (string name in names.Where(n => !n.Contains("seconds", StringComparison.Ordinal)))
            Assert.True(WithoutIds(File.ReadAllText(Path.Combine(appFigures, name))) == WithoutIds(File.ReadAllText(Path.Combine(kernelFigures, name))),
                $"{name} differs between the app and the kernel run");
        Assert.Contains(names, name => name.EndsWith("-symbols-global-maps.html", StringComparison.Ordinal));
        Assert.Contains("saliency-table", File.ReadAllText(Path.Combine(appFigures, "symbols-cell14-output.html")));   // the model's card, a table
    }

    [Fact]
    public void The_command_refuses_what_it_cannot_export_to_and_a_missing_notebook()
    {
        string output = Path.Combine(_folder, "refused");
        Assert.Equal(1, Saliency.Cli.Commands.ExportCommand.Create().Parse(["notebooks/symbols/symbols.ipynb", "--to", "pdf", "--out", output]).Invoke());
        Assert.Throws<FileNotFoundException>(() => AppExport.Write(Path.Combine(_folder, "missing.ipynb"), output, "0.1.0", KitFeed.Folder));
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("var a = 1;\nViews.Model(model)", "var a = 1;\nShow(Views.Model(model));")]
    [InlineData("if (train)\n    model = Train(x);   // a comment; with a ; inside\ntrain ? A() : B()", "if (train)\n    model = Train(x);   // a comment; with a ; inside\nShow(train ? A() : B());")]
    [InlineData("int x = 1;   // no value here", "int x = 1;   // no value here")]
    [InlineData("torchRuntime", "Show(torchRuntime);")]
    [InlineData("foreach (var v in vs)\n{\n    Use(v);\n}", "foreach (var v in vs)\n{\n    Use(v);\n}")]
    [InlineData("var url = \"http://x\";\nurl", "var url = \"http://x\";\nShow(url);")]
    public void A_cells_last_value_is_shown_as_the_kernel_would(string code, string expected) =>
        Assert.Equal(expected, AppExport.WithLastValueShown(code));

    private static string WithoutIds(string html) => Regex.Replace(html, "saliency-plot-[0-9a-f]+", "ID");
}
