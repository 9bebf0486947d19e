using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json.Nodes;
using Saliency.KernelWarmup;
using Saliency.Notebook.Tests.Runner;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.KernelWarmup;

/// <summary>
/// The startup hook <c>saliency run</c> gives the kernel: it must load in the pinned kernel, finish its compile there,
/// stay out of the kernel's child processes, and compile against no newer Roslyn than the kernel ships.
/// </summary>
[Collection(NotebookSessionCollection.Name)] // one test sets the switch variable that every kernel start reads
public sealed class CompilerWarmupTests
{
    [Fact]
    public async Task The_runners_kernel_warms_its_compiler_and_keeps_the_hook_from_its_children()
    {
        await using KernelSession kernel = await KernelSession.StartAsync(Repository.Root, Repository.Root, TimeSpan.FromMinutes(2));
        IReadOnlyList<JsonObject> events = await kernel.SubmitAsync($$"""
            var deadline = DateTime.UtcNow.AddMinutes(1); // a warm-up that never ends fails the test rather than hanging it
            while (AppContext.GetData("{{CompilerWarmup.StatusKey}}") as string == "running" && DateTime.UtcNow < deadline) await Task.Delay(50);
            var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("printenv", "{{CompilerWarmup.StartupHooksVariable}}") { RedirectStandardOutput = true });
            string inherited = child.StandardOutput.ReadToEnd().Trim();
            child.WaitForExit();
            $"{AppContext.GetData("{{CompilerWarmup.StatusKey}}")}|{inherited}"
            """);
        Assert.Equal("CommandSucceeded", KernelSession.EventType(events[^1]));
        string[] answer = ReturnedText(events).Split('|');

        Assert.Matches(@"^done in \d+\.\d\d s$", answer[0]);
        Assert.DoesNotContain("Saliency.KernelWarmup", answer[1]);
        Assert.Null(kernel.WarmupFailure);
    }

    [Fact]
    public void The_hook_compiles_against_no_newer_Roslyn_than_the_pinned_kernel_ships()
    {
        using var stream = File.OpenRead(CompilerWarmup.AssemblyPath);
        using var pe = new PEReader(stream);
        MetadataReader metadata = pe.GetMetadataReader();
        var roslyn = metadata.AssemblyReferences.Select(metadata.GetAssemblyReference)
            .Where(reference => metadata.GetString(reference.Name).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(roslyn);
        foreach (AssemblyReference reference in roslyn)
        {
            string name = metadata.GetString(reference.Name);
            Version shipped = PinnedKernel.AssemblyVersion(name);
            Assert.True(reference.Version <= shipped, $"Saliency.KernelWarmup needs {name} {reference.Version}; the pinned kernel ships {shipped}");
        }
    }

    [Fact]
    public void The_hook_joins_the_startup_hooks_once_and_leaves_the_others()
    {
        string hook = CompilerWarmup.AssemblyPath;
        string other = Path.Combine(Path.GetTempPath(), "Other.Hook.dll");
        char separator = Path.PathSeparator;

        Assert.Equal(hook, CompilerWarmup.AddTo(null));
        Assert.Equal($"{other}{separator}{hook}", CompilerWarmup.AddTo(other));
        Assert.Equal($"{other}{separator}{hook}", CompilerWarmup.AddTo($"{hook}{separator}{other}"));
        Assert.Equal(other, CompilerWarmup.RemoveFrom($"{other}{separator}{hook}"));
        Assert.Equal("", CompilerWarmup.RemoveFrom(hook));
        Assert.Equal("", CompilerWarmup.RemoveFrom(null));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("on", true)]
    [InlineData("1", true)]
    [InlineData(" OFF ", false)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    public void The_switch_reads_on_and_off(string? value, bool enabled) => Assert.Equal(enabled, CompilerWarmup.IsEnabled(value));

    [Fact]
    public async Task A_switch_value_that_is_neither_on_nor_off_stops_the_kernel_start_naming_the_variable()
    {
        Environment.SetEnvironmentVariable(CompilerWarmup.SwitchVariable, "sometimes");
        try
        {
            var error = await Assert.ThrowsAsync<KernelException>(() => KernelSession.StartAsync(Repository.Root, Repository.Root, TimeSpan.FromMinutes(2)));
            Assert.Equal($"{CompilerWarmup.SwitchVariable} is 'sometimes'; it may be on or off.", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(CompilerWarmup.SwitchVariable, null);
        }
    }

    /// <summary>The text/plain form of the command's return value.</summary>
    private static string ReturnedText(IEnumerable<JsonObject> events)
    {
        JsonObject returned = events.Single(e => KernelSession.EventType(e) == "ReturnValueProduced");
        return returned["event"]!["formattedValues"]!.AsArray()
            .Single(value => (string?)value!["mimeType"] == "text/plain")!["value"]!.GetValue<string>();
    }
}
