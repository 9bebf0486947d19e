using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Saliency.KernelWarmup;

namespace Saliency.Runner;

/// <summary>
/// One .NET Interactive kernel process driven the way VS Code's Polyglot Notebooks drives it: the repository's pinned
/// <c>dotnet-interactive</c> tool (its assembly, <see cref="PinnedKernelAssembly"/>) in <c>stdio</c> mode, one JSON command envelope per line in, one JSON event envelope
/// per line out. Each <see cref="SubmitAsync"/> waits for its command's CommandSucceeded or CommandFailed.
/// </summary>
public sealed class KernelSession : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>();
    private readonly StringBuilder _stderr = new();
    private readonly Task _reader;
    private int _nextToken;

    private KernelSession(Process process)
    {
        _process = process;
        _reader = Task.Run(ReadEventsAsync);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data == null) return;
            lock (_stderr) if (_stderr.Length < 64_000) _stderr.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
    }

    /// <summary>What the kernel wrote to its standard error so far (diagnostics for a failed start).</summary>
    public string StandardError
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    /// <summary>The kernel's report of a failed compiler warm-up (the notebook ran, only slower), or null.</summary>
    public string? WarmupFailure => StandardError.Split('\n').FirstOrDefault(line => line.StartsWith(CompilerWarmup.FailurePrefix, StringComparison.Ordinal))?.TrimEnd();

    /// <summary>
    /// The pinned tool's kernel assembly in the NuGet global packages folder (NUGET_PACKAGES, else ~/.nuget/packages), as
    /// <c>dotnet tool restore</c> put it for <paramref name="repositoryRoot"/>'s <c>.config/dotnet-tools.json</c>.
    /// </summary>
    public static string PinnedKernelAssembly(string repositoryRoot)
    {
        string manifest = Path.Combine(repositoryRoot, ".config", "dotnet-tools.json");
        string version = (string?)JsonNode.Parse(File.ReadAllText(manifest))?["tools"]?["microsoft.dotnet-interactive"]?["version"]
                         ?? throw new KernelException($"{manifest} pins no microsoft.dotnet-interactive.");
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string tool = Path.Combine(packages, "microsoft.dotnet-interactive", version, "tools");
        return (Directory.Exists(tool) ? Directory.GetFiles(tool, "Microsoft.DotNet.Interactive.App.dll", SearchOption.AllDirectories).FirstOrDefault() : null)
               ?? throw new KernelException($"The pinned .NET Interactive kernel {version} is not restored: run `dotnet tool restore` in {repositoryRoot}.");
    }

    /// <summary>
    /// Starts the kernel with <paramref name="workingDirectory"/> as its current folder (the notebook's folder, as in
    /// VS Code) and waits for KernelReady. The kernel is the pinned tool's assembly run by <c>dotnet</c> as this process's own
    /// child, not through <c>dotnet tool run</c>, which would start it as a grandchild: a killed kernel is then reaped here by the
    /// wait for its exit, instead of being left to an init process that may never reap it.
    /// </summary>
    public static async Task<KernelSession> StartAsync(string repositoryRoot, string workingDirectory, TimeSpan timeout, CancellationToken cancellation = default)
    {
        string kernel = PinnedKernelAssembly(repositoryRoot);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardInputEncoding = new UTF8Encoding(false),
            UseShellExecute = false,
        };
        foreach (string argument in new[] { kernel, "stdio", "--working-dir", workingDirectory }) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // The kernel is killed at the end of a run, so its runtime never removes its diagnostics IPC socket and debugger
        // pipes (/tmp/dotnet-diagnostic-*, /tmp/clr-debug-pipe-*): without diagnostics it creates none.
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        // The kernel jits Roslyn on one thread after it has started; the warm-up hook does it on a second one meanwhile
        // (about 1 s off every notebook on two cores; SALIENCY_KERNEL_WARMUP=off starts the kernel without it).
        bool warmup;
        try { warmup = CompilerWarmup.IsEnabled(Environment.GetEnvironmentVariable(CompilerWarmup.SwitchVariable)); }
        catch (ArgumentException e) { throw new KernelException(e.Message); }
        if (warmup)
            start.Environment[CompilerWarmup.StartupHooksVariable] =
                CompilerWarmup.AddTo(start.Environment.TryGetValue(CompilerWarmup.StartupHooksVariable, out string? hooks) ? hooks : null);
        Process process = Process.Start(start) ?? throw new KernelException($"Could not start `dotnet {kernel}`.");
        var session = new KernelSession(process);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                JsonObject envelope = await session.NextEventAsync(deadline.Token);
                if (EventType(envelope) == "KernelReady") return session;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            string stderr = session.StandardError;
            await session.DisposeAsync();
            if (cancellation.IsCancellationRequested) throw;
            throw new KernelException(
                $"The .NET Interactive kernel did not start within {timeout.TotalSeconds:0} s. Run `dotnet tool restore` in {repositoryRoot} " +
                $"(the kernel is pinned in .config/dotnet-tools.json).{(stderr.Length > 0 ? "\nKernel stderr:\n" + stderr : "")}");
        }
    }

    /// <summary>
    /// Submits <paramref name="code"/> to the kernel named <paramref name="kernelName"/> and returns every event of that
    /// command (child commands included) up to and including its CommandSucceeded or CommandFailed.
    /// <paramref name="onEvent"/> sees each event as it arrives (live progress).
    /// </summary>
    public Task<IReadOnlyList<JsonObject>> SubmitAsync(string code, string kernelName = "csharp", Action<JsonObject>? onEvent = null,
        CancellationToken cancellation = default) =>
        SendAsync("SubmitCode", new JsonObject { ["code"] = code, ["targetKernelName"] = kernelName }, onEvent, cancellation);

    /// <summary>The variables the kernel named <paramref name="kernelName"/> holds: name → .NET type name (e.g. System.Int32).</summary>
    public async Task<IReadOnlyDictionary<string, string>> VariableTypesAsync(string kernelName = "csharp", CancellationToken cancellation = default)
    {
        IReadOnlyList<JsonObject> events = await SendAsync("RequestValueInfos",
            new JsonObject { ["mimeType"] = "text/plain+summary", ["targetKernelName"] = kernelName }, null, cancellation);
        var types = new Dictionary<string, string>();
        foreach (JsonObject envelope in events.Where(e => EventType(e) == "ValueInfosProduced"))
            foreach (JsonNode? info in envelope["event"]?["valueInfos"]?.AsArray() ?? new JsonArray())
                if (info?["name"]?.GetValue<string>() is { } name && info["typeName"]?.GetValue<string>() is { } type)
                    types[name] = type;
        return types;
    }

    private async Task<IReadOnlyList<JsonObject>> SendAsync(string commandType, JsonObject command, Action<JsonObject>? onEvent, CancellationToken cancellation)
    {
        string token = $"saliency-{Interlocked.Increment(ref _nextToken)}";
        var envelope = new JsonObject { ["token"] = token, ["commandType"] = commandType, ["command"] = command };
        await _process.StandardInput.WriteLineAsync(envelope.ToJsonString());
        await _process.StandardInput.FlushAsync(cancellation);
        var events = new List<JsonObject>();
        while (true)
        {
            JsonObject received;
            try
            {
                received = await NextEventAsync(cancellation);
            }
            catch (ChannelClosedException)
            {
                throw new KernelException($"The .NET Interactive kernel exited while running a {commandType} command.\nKernel stderr:\n{StandardError}");
            }
            string? eventToken = received["command"]?["token"]?.GetValue<string>();
            if (eventToken == null || (eventToken != token && !eventToken.StartsWith(token + ".", StringComparison.Ordinal))) continue;
            events.Add(received);
            onEvent?.Invoke(received);
            if (eventToken == token && EventType(received) is "CommandSucceeded" or "CommandFailed") return events;
        }
    }

    /// <summary>The <c>eventType</c> of an event envelope.</summary>
    public static string? EventType(JsonObject envelope) => envelope["eventType"]?.GetValue<string>();

    private ValueTask<JsonObject> NextEventAsync(CancellationToken cancellation) => _events.Reader.ReadAsync(cancellation);

    private async Task ReadEventsAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                // The tool prints a first-run banner before the protocol starts: anything that is not an event envelope is skipped.
                if (!line.StartsWith('{')) continue;
                JsonNode? node;
                try { node = JsonNode.Parse(line); }
                catch (JsonException) { continue; }
                if (node is JsonObject envelope && envelope["eventType"] != null) await _events.Writer.WriteAsync(envelope);
            }
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Closes the kernel's input and ends the process (and its children). The stdio kernel does not exit at the end of its
    /// input (it waited out a 2 s grace on every notebook), and a run has nothing left to ask of it: it is killed at once.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try { _process.StandardInput.Close(); }
        catch (IOException) { }
        IReadOnlyList<int> tree = ProcessTree.Of(_process.Id);
        if (!_process.WaitForExit(100))
        {
            try { _process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
        }
        await _process.WaitForExitAsync();
        await _reader;
        _process.Dispose();
        RemoveLeftovers(tree);
    }

    /// <summary>
    /// What a killed kernel cannot remove itself, found by its process id: its PowerShell host's named pipe, a socket file
    /// in the temp folder (<c>CoreFxPipe_PSHost.&lt;start&gt;.&lt;pid&gt;.None.dotnet</c>), and the NuGet dependency manager's
    /// restore projects (<c>~/.packagemanagement/nuget/Projects/&lt;pid&gt;--&lt;guid&gt;</c>, about 150 kB a run; its restore
    /// cache next to them stays).
    /// </summary>
    private static void RemoveLeftovers(IReadOnlyList<int> processIds)
    {
        string restoreProjects = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".packagemanagement", "nuget", "Projects");
        foreach (int processId in processIds)
        {
            foreach (string pipe in Directory.EnumerateFiles(Path.GetTempPath(), $"CoreFxPipe_PSHost.*.{processId}.None.dotnet"))
            {
                try { File.Delete(pipe); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
            if (!Directory.Exists(restoreProjects)) continue;
            foreach (string project in Directory.EnumerateDirectories(restoreProjects, $"{processId}--*"))
            {
                try { Directory.Delete(project, recursive: true); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
    }
}

/// <summary>The kernel process could not be started or stopped answering.</summary>
public sealed class KernelException(string message) : Exception(message);
