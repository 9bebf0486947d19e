using System.Diagnostics;
using Saliency.Runner;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>
/// The kernel process of a run never outlives it: not when the tool is stopped by a signal, and not as files in the
/// temp folder (its runtime's diagnostics sockets, debugger pipes and PowerShell pipe) or NuGet restore projects.
/// </summary>
[Collection(NotebookSessionCollection.Name)]
public sealed class KernelLifetimeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("saliency-kernel-lifetime-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A notebook whose first cell writes the kernel's process id to kernel.pid, then runs for <paramref name="sleepMs"/>.</summary>
    private string PidNotebook(int sleepMs)
    {
        string notebook = Path.Combine(_folder, "pid.ipynb");
        string pidFile = Path.Combine(_folder, "kernel.pid").Replace("\\", "\\\\");
        File.WriteAllText(notebook, $$"""
            {"cells":[{"cell_type":"code","metadata":{},"execution_count":null,"outputs":[],
              "source":["System.IO.File.WriteAllText(\"{{pidFile}}\", System.Environment.ProcessId.ToString());\n","System.Threading.Thread.Sleep({{sleepMs}});"]}],
             "metadata":{},"nbformat":4,"nbformat_minor":5}
            """);
        return notebook;
    }

    private int KernelProcessId() => int.Parse(File.ReadAllText(Path.Combine(_folder, "kernel.pid")));

    /// <summary>True while the process exists and is not a zombie (killed, waiting to be reaped by a container's init that does not).</summary>
    internal static bool IsRunning(int processId)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{processId}/stat"); }
        catch (IOException) { return false; }
        return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
    }

    /// <summary>Waits up to 10 s for the process to end (a killed process's exit is not instant); true when it did.</summary>
    internal static async Task<bool> EndsAsync(int processId)
    {
        var clock = Stopwatch.StartNew();
        while (IsRunning(processId) && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(100);
        return !IsRunning(processId);
    }

    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("INT", 130)]
    public async Task A_signal_to_the_tool_stops_the_kernel_with_it(string signal, int exitCode)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "saliency.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in new[] { cli, "run", PidNotebook(sleepMs: 300_000), "--out", Path.Combine(_folder, "out") }) start.ArgumentList.Add(argument);
        using Process tool = Process.Start(start)!;
        Task<string> errors = tool.StandardError.ReadToEndAsync();
        Task<string> output = tool.StandardOutput.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(_folder, "kernel.pid")) && !tool.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(200);
        Assert.True(File.Exists(Path.Combine(_folder, "kernel.pid")), $"the notebook did not start: {(tool.HasExited ? await errors : "timeout")}");
        await Task.Delay(200); // the pid file is written before the cell's sleep: let the file's writer finish
        int kernel = KernelProcessId();

        using (Process kill = Process.Start("kill", new[] { "-" + signal, tool.Id.ToString() })) await kill.WaitForExitAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        bool exited = await tool.WaitForExitAsync(deadline.Token).ContinueWith(wait => wait.IsCompletedSuccessfully);
        if (!exited) tool.Kill(entireProcessTree: true);

        Assert.True(exited, "the tool did not exit after the signal");
        Assert.Equal(exitCode, tool.ExitCode);
        Assert.Contains($"stopped by SIG{signal}", await errors);
        Assert.True(await EndsAsync(kernel), $"the kernel (process {kernel}) outlived the tool");
        await output;
    }

    [Fact]
    public async Task A_runs_kernel_is_reaped_by_the_run_not_left_a_zombie_for_init()
    {
        // The kernel is the run's own child: when the run ends, its process is gone, not a zombie waiting for an init process to reap
        // it (a container's init may never; through `dotnet tool run` the kernel was a grandchild, left to init when its parent died).
        NotebookRunResult result = await NotebookRunner.RunAsync(new NotebookRunOptions { NotebookPath = PidNotebook(0), OutputPath = Path.Combine(_folder, "out.ipynb") });
        Assert.True(result.Succeeded, result.Failure?.ToString());
        int kernel = KernelProcessId();
        Assert.False(Directory.Exists($"/proc/{kernel}"),
            $"the kernel (process {kernel}) is still in the process table after the run: {(File.Exists($"/proc/{kernel}/stat") ? File.ReadAllText($"/proc/{kernel}/stat") : "")}");
    }

    [Fact]
    public async Task A_run_leaves_nothing_of_the_kernel_in_the_temp_folder_nor_its_nuget_restore_projects()
    {
        string notebook = PidNotebook(sleepMs: 0);
        // A second cell restores a package (from an empty local feed, so it fails at once, offline): the kernel's
        // dependency manager writes a restore project for it.
        string feed = Directory.CreateDirectory(Path.Combine(_folder, "feed")).FullName;
        File.WriteAllText(Path.Combine(_folder, "nuget.config"),
            $"""<?xml version="1.0" encoding="utf-8"?><configuration><packageSources><clear /><add key="empty" value="{feed}" /></packageSources></configuration>""");
        File.WriteAllText(notebook, File.ReadAllText(notebook).Replace("""]}],""",
            """]},{"cell_type":"code","metadata":{},"execution_count":null,"outputs":[],"source":["#r \"nuget: Saliency.NoSuchPackage, 1.0.0\""]}],"""));

        NotebookRunResult result = await NotebookRunner.RunAsync(new NotebookRunOptions
        {
            NotebookPath = notebook,
            OutputPath = Path.Combine(_folder, "out", "pid.ipynb"),
            RepositoryRoot = Repository.Root,
        });

        Assert.Equal(2, result.Failure?.CellNumber);
        int kernel = KernelProcessId();
        // dotnet-diagnostic-<pid>-<start>-socket, clr-debug-pipe-<pid>-<start>-in/out, CoreFxPipe_PSHost.<start>.<pid>.None.dotnet
        string[] litter = Directory.GetFileSystemEntries(Path.GetTempPath())
            .Select(Path.GetFileName)
            .Where(name => name!.Contains($"-{kernel}-", StringComparison.Ordinal) || name.Contains($".{kernel}.", StringComparison.Ordinal))
            .ToArray()!;
        Assert.Empty(litter);
        string restoreProjects = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".packagemanagement", "nuget", "Projects");
        Assert.Empty(Directory.Exists(restoreProjects) ? Directory.GetDirectories(restoreProjects, $"{kernel}--*") : []);
    }
}
