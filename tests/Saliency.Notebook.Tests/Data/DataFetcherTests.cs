using System.Net;
using System.Net.Sockets;
using System.Text;
using Saliency.Notebook.Data.Fetch;
using Saliency.Notebook.IO;

namespace Saliency.Notebook.Tests.Data;

public class DataFetcherTests
{
    /// <summary>The verified data folder, laid out as a mirror is (<c>&lt;dataset&gt;/&lt;file&gt;</c>).</summary>
    private static string MirrorData => TestData.DataDirectory;

    [Fact]
    public void ManifestMatchesTheDataReadme()
    {
        string readme = File.ReadAllText(Path.Combine(MirrorData, "README.md"));
        Assert.Equal(11, DataFetcher.Manifest.Count);
        foreach (DataFile f in DataFetcher.Manifest)
            Assert.Contains($"| {f.RelativePath} | {f.Bytes} | {f.Sha256} |", readme);
    }

    [Fact]
    public void FetchesFromAMirrorThenFindsEverythingPresent()
    {
        using var dir = new TempFolder();
        var stages = new List<FetchStage>();
        FetchReport first = DataFetcher.Fetch(dir.Path, MirrorData, "http://127.0.0.1:9/", new SynchronousProgress<FetchProgress>(p => stages.Add(p.Stage)));
        Assert.Equal(11, first.FetchedCount);
        Assert.All(first.Files, f => Assert.Equal(FetchSource.Mirror, f.Source));
        Assert.Contains(FetchStage.Copying, stages);
        foreach (DataFile f in DataFetcher.Manifest)
            Assert.Equal(File.ReadAllBytes(Path.Combine(MirrorData, f.RelativePath)), File.ReadAllBytes(Path.Combine(dir.Path, f.RelativePath)));

        FetchReport second = DataFetcher.Fetch(dir.Path, MirrorData, "http://127.0.0.1:9/");
        Assert.Equal(11, second.AlreadyPresentCount);
        Assert.Equal(0, second.FetchedCount);
        Assert.Empty(TempFiles(dir.Path));
    }

    [Fact]
    public void AMirrorFolderThatDoesNotExistIsAnErrorNotADownload()
    {
        using var dir = new TempFolder();
        string missing = Path.Combine(dir.Path, "no-such-mirror");
        string data = Path.Combine(dir.Path, "data");
        var e = Assert.Throws<DataFetchException>(() => DataFetcher.Fetch(data, missing, "http://127.0.0.1:9/"));
        Assert.Contains(missing, e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.False(Directory.Exists(data));
    }

    [Fact]
    public void ACorruptedMirrorFileFailsAndLeavesNothing()
    {
        using var mirror = CopyOfMirrorData();
        string corrupted = Path.Combine(mirror.Path, "symbols", "augmented_labels.npy");
        byte[] bytes = File.ReadAllBytes(corrupted);
        bytes[200] ^= 0xFF;
        File.WriteAllBytes(corrupted, bytes);

        using var dir = new TempFolder();
        var e = Assert.Throws<DataFetchException>(() => DataFetcher.Fetch(dir.Path, mirror.Path, "http://127.0.0.1:9/"));
        Assert.Equal("symbols/augmented_labels.npy", e.RelativePath);
        Assert.Contains("symbols/augmented_labels.npy", e.Message);
        Assert.Contains("b1b2a06420515fe5b9055ea28b022c93754a82242ccbebe4eb2e616669c5fcb8", e.Message);
        Assert.NotNull(e.ActualSha256);
        Assert.Contains(e.ActualSha256!, e.Message);
        Assert.False(File.Exists(Path.Combine(dir.Path, "symbols", "augmented_labels.npy")));
        Assert.Empty(TempFiles(dir.Path));
    }

    [Fact]
    public async Task AWrongExistingFileIsReplaced()
    {
        using var dir = new TempFolder();
        string wrong = dir.Write("eog/time_series_labels.npy", Encoding.ASCII.GetBytes("not the labels"));
        FetchReport report = DataFetcher.Fetch(dir.Path, MirrorData, "http://127.0.0.1:9/");
        FetchedFile entry = report.Files.Single(f => f.File.RelativePath == "eog/time_series_labels.npy");
        Assert.True(entry.ReplacedWrongFile);
        Assert.Equal(FetchSource.Mirror, entry.Source);
        Assert.True(await DataFetcher.IsValidAsync(wrong, entry.File));
    }

    [Fact]
    public async Task DownloadsFromTheBaseUrl()
    {
        await using var server = new LoopbackFileServer(MirrorData, truncate: false);
        using var dir = new TempFolder();
        FetchReport report = await DataFetcher.FetchAsync(dir.Path, mirror: "", baseUrl: server.BaseUrl);
        Assert.Equal(11, report.FetchedCount);
        Assert.All(report.Files, f => Assert.Equal(FetchSource.Download, f.Source));
        Assert.Equal(server.BaseUrl + "eog/EOG.parquet", report.Files.Single(f => f.File.RelativePath == "eog/EOG.parquet").Origin);
        foreach (DataFile f in DataFetcher.Manifest)
            Assert.True(await DataFetcher.IsValidAsync(Path.Combine(dir.Path, f.RelativePath), f));
        Assert.Equal(11, server.Requests);
    }

    [Fact]
    public async Task ATruncatedDownloadFailsAndLeavesNothing()
    {
        await using var server = new LoopbackFileServer(MirrorData, truncate: true);
        using var dir = new TempFolder();
        var e = await Assert.ThrowsAsync<DataFetchException>(() => DataFetcher.FetchAsync(dir.Path, mirror: "", baseUrl: server.BaseUrl));
        Assert.Equal("aircraft/labels.npy", e.RelativePath);
        Assert.Contains("aircraft/labels.npy", e.Message);
        Assert.Contains("d1c91b501572c3bf0452161358dc2c6a6c3359c3923ad22e0d3d5fad4c5d9f8c", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task AMissingUpstreamFileFailsWithTheUrl()
    {
        await using var server = new LoopbackFileServer(Path.Combine(MirrorData, "eog"), truncate: false);
        using var dir = new TempFolder();
        var e = await Assert.ThrowsAsync<DataFetchException>(() => DataFetcher.FetchAsync(dir.Path, mirror: "", baseUrl: server.BaseUrl));
        Assert.Contains("HTTP 404", e.Message);
        Assert.Contains(server.BaseUrl + "aircraft/labels.npy", e.Message);
        Assert.Contains("--mirror DIR", e.Message);                                          // how to work offline
        Assert.Contains(DataFetcher.MirrorVariable + "=DIR", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_failed_checkpoint_download_names_the_checkpoint_mirror_variable()
    {
        using var dir = new TempFolder();
        // Port 9 (discard) on loopback refuses the connection: the download fails at once.
        var e = Assert.Throws<DataFetchException>(() => OriginalCheckpoints.Fetch(dir.Path, mirror: "", baseUrl: "http://127.0.0.1:9/"));
        Assert.Contains("download from http://127.0.0.1:9/", e.Message);
        Assert.Contains(OriginalCheckpoints.MirrorVariable + "=DIR", e.Message);
    }

    private static string[] TempFiles(string root) => Directory.GetFiles(root, "*.tmp", SearchOption.AllDirectories);

    private static TempFolder CopyOfMirrorData()
    {
        var copy = new TempFolder();
        foreach (DataFile f in DataFetcher.Manifest)
            copy.Write(f.RelativePath, File.ReadAllBytes(Path.Combine(MirrorData, f.RelativePath)));
        return copy;
    }


    /// <summary>A minimal HTTP/1.1 file server on 127.0.0.1 and an ephemeral port; with <c>truncate</c> it declares the full
    /// Content-Length but sends half the body and closes the connection.</summary>
    private sealed class LoopbackFileServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly string _root;
        private readonly bool _truncate;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _requests;

        public LoopbackFileServer(string root, bool truncate)
        {
            _root = root;
            _truncate = truncate;
            _listener.Start();
            BaseUrl = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";
            _loop = Task.Run(AcceptLoop);
        }

        public string BaseUrl { get; }

        public int Requests => _requests;

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                _ = Task.Run(() => Serve(client));
            }
        }

        private async Task Serve(TcpClient client)
        {
            using (client)
            {
                NetworkStream stream = client.GetStream();
                var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                while (true)
                {
                    string? requestLine = await reader.ReadLineAsync();
                    if (string.IsNullOrEmpty(requestLine)) return;
                    while (!string.IsNullOrEmpty(await reader.ReadLineAsync())) { }
                    Interlocked.Increment(ref _requests);
                    string relative = Uri.UnescapeDataString(requestLine.Split(' ')[1].TrimStart('/'));
                    string file = Path.GetFullPath(Path.Combine(_root, relative));
                    if (!file.StartsWith(_root, StringComparison.Ordinal) || !File.Exists(file))
                    {
                        await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
                        continue;
                    }
                    byte[] body = await File.ReadAllBytesAsync(file);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {body.Length}\r\n\r\n"));
                    if (_truncate)
                    {
                        await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
                        return;
                    }
                    await stream.WriteAsync(body);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }
    }
}
