using System.Security.Cryptography;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.IO;

namespace Saliency.Notebook.Data.Fetch;

/// <summary>One file of the paper's data: path relative to the data directory (folder/file), size and SHA-256.</summary>
public sealed record DataFile(string RelativePath, long Bytes, string Sha256);

/// <summary>Where a file in a fetch report came from.</summary>
public enum FetchSource
{
    /// <summary>Already in the data directory with the right SHA-256; left alone.</summary>
    AlreadyPresent,

    /// <summary>Copied from a local mirror folder.</summary>
    Mirror,

    /// <summary>Downloaded from the upstream base URL.</summary>
    Download,
}

/// <summary>The outcome for one file: where it came from and whether a wrong copy was replaced.</summary>
public sealed record FetchedFile(DataFile File, FetchSource Source, string Origin, bool ReplacedWrongFile);

/// <summary>What a fetch did, file by file.</summary>
public sealed record FetchReport(string DataDirectory, IReadOnlyList<FetchedFile> Files)
{
    /// <summary>Files copied or downloaded by this fetch.</summary>
    public int FetchedCount => Files.Count(f => f.Source != FetchSource.AlreadyPresent);

    /// <summary>Files that were already there and verified.</summary>
    public int AlreadyPresentCount => Files.Count(f => f.Source == FetchSource.AlreadyPresent);
}

/// <summary>Progress of a fetch: which file, what is happening to it, bytes so far.</summary>
public sealed record FetchProgress(DataFile File, int Index, int Total, FetchStage Stage, long BytesDone);

/// <summary>The steps a file goes through in a fetch.</summary>
public enum FetchStage
{
    Checking,
    Copying,
    Downloading,
    Done,
}

/// <summary>A file that could not be fetched or did not verify. Names the file and, for a bad copy, the expected and actual SHA-256.</summary>
public sealed class DataFetchException : IOException
{
    public DataFetchException(string relativePath, string message, string? expectedSha256 = null, string? actualSha256 = null, Exception? inner = null)
        : base(message, inner)
    {
        RelativePath = relativePath;
        ExpectedSha256 = expectedSha256;
        ActualSha256 = actualSha256;
    }

    /// <summary>The file, relative to the data directory.</summary>
    public string RelativePath { get; }

    /// <summary>The SHA-256 the manifest expects.</summary>
    public string? ExpectedSha256 { get; }

    /// <summary>The SHA-256 of what arrived, when it arrived in full.</summary>
    public string? ActualSha256 { get; }
}

/// <summary>Puts the paper's 11 data files into a data directory, verified by size and SHA-256: keeps correct copies, copies from a
/// mirror folder or downloads from the upstream repository, always through a temporary file that is renamed into place only once it verifies.</summary>
public static class DataFetcher
{
    /// <summary>The upstream data folder at the commit the kit reproduces.</summary>
    public const string DefaultBaseUrl = "https://raw.githubusercontent.com/Aisthetic/explain_autoencoder/87f42d9bad6e0886a7d7f19ad517d76ec9d2597f/data/";

    /// <summary>Environment variable naming a mirror folder (same layout as the data directory).</summary>
    public const string MirrorVariable = "SALIENCY_DATA_MIRROR";

    /// <summary>Environment variable overriding <see cref="DefaultBaseUrl"/>.</summary>
    public const string BaseUrlVariable = "SALIENCY_DATA_BASE_URL";

    /// <summary>The files, sizes and SHA-256 of the upstream data folder (commit 87f42d9).</summary>
    public static IReadOnlyList<DataFile> Manifest { get; } =
    [
        new("aircraft/labels.npy", 18128, "d1c91b501572c3bf0452161358dc2c6a6c3359c3923ad22e0d3d5fad4c5d9f8c"),
        new("aircraft/positions.npy", 1440128, "121656d629e77aefd0cd39e5a6e8d09e217ec5381bab2856fb3727a78d3f78dc"),
        new("aircraft_flyover/labels.npy", 1328, "70439d9ac2c560254e08b011a2ec683aaba7328fa1771dee1fa0929ea8446c9b"),
        new("aircraft_flyover/labels_flyover.npy", 33252, "51845691c4f90cf165a00e5f605b7bb9043463bc0b07725faf8ede52d809725a"),
        new("aircraft_flyover/positions.npy", 1920128, "ec2f8538619ba67cef4878107c0f156e9fd6b6d96336e7e630568de17ed1515a"),
        new("aircraft_flyover/positions_flyover.npy", 1892928, "4a14e3ad7194a3817c52875cd9945ec0cf14133711c95355739341f444b3c021"),
        new("eog/EOG.parquet", 1325483, "df17899ffff23c08575f3c042179ef74366fbfe5719fd77b794d6ffbabe84a1c"),
        new("eog/time_series_labels.npy", 2281, "1b0146ea2dc0aee2bd0d01ddb8e6a8c39165b7208f6aa5bab63144925a13d894"),
        new("eog/time_series_positions.npy", 1584128, "a05e40cb99c8a53fe128707432932f47d536c7c7a7b8895716f34de198ef51e3"),
        new("symbols/augmented_labels.npy", 2508, "b1b2a06420515fe5b9055ea28b022c93754a82242ccbebe4eb2e616669c5fcb8"),
        new("symbols/augmented_symbols.npy", 1056128, "95d4802b724b0f7c62242fc8002c053ede910cf07ad4630dae1630d39f935c1c"),
    ];

    /// <summary>Fetches every manifest file into <paramref name="dataDirectory"/>; see <see cref="FetchAsync"/>.</summary>
    public static FetchReport Fetch(string dataDirectory, string? mirror = null, string? baseUrl = null, IProgress<FetchProgress>? progress = null) =>
        FetchAsync(dataDirectory, mirror, baseUrl, progress).GetAwaiter().GetResult();

    /// <summary>
    /// Fetches the files of <paramref name="manifest"/> into <paramref name="directory"/> from <paramref name="mirror"/> or
    /// <paramref name="baseUrl"/>, with the same checks as the data (e.g. <see cref="OriginalCheckpoints"/>).
    /// </summary>
    public static FetchReport Fetch(IReadOnlyList<DataFile> manifest, string directory, string? mirror, string baseUrl, IProgress<FetchProgress>? progress = null,
        string? offlineHint = null) =>
        FetchAsync(directory, mirror ?? "", baseUrl, progress, manifest: manifest, offlineHint: offlineHint).GetAwaiter().GetResult();

    /// <summary>What a failed download says about working offline, for the paper's data.</summary>
    public static string DataOfflineHint =>
        $"To work offline, copy the files into a folder laid out as <dataset>/<file> (like data/) and pass it with --mirror DIR or {MirrorVariable}=DIR.";

    /// <summary>For each manifest file: keep it when present and correct; otherwise delete a wrong copy, then copy it from the mirror
    /// (argument, else <see cref="MirrorVariable"/>; an empty string means no mirror, a folder that does not exist is an error) when the mirror holds it, else download it from the base URL (argument, else
    /// <see cref="BaseUrlVariable"/>, else <see cref="DefaultBaseUrl"/>). Throws <see cref="DataFetchException"/> on the first failure.</summary>
    public static async Task<FetchReport> FetchAsync(string dataDirectory, string? mirror = null, string? baseUrl = null,
        IProgress<FetchProgress>? progress = null, HttpClient? http = null, CancellationToken cancellation = default,
        IReadOnlyList<DataFile>? manifest = null, string? offlineHint = null)
    {
        IReadOnlyList<DataFile> files = manifest ?? Manifest;
        offlineHint ??= DataOfflineHint;
        mirror = mirror is null ? NonEmpty(Environment.GetEnvironmentVariable(MirrorVariable)) : NonEmpty(mirror);
        baseUrl ??= NonEmpty(Environment.GetEnvironmentVariable(BaseUrlVariable)) ?? DefaultBaseUrl;
        if (!baseUrl.EndsWith('/')) baseUrl += "/";
        // A mirror may hold some of the files (the rest are downloaded), but a mirror folder that does not exist is a typo,
        // not a request to download everything from the internet.
        if (mirror is not null && !Directory.Exists(mirror))
            throw new DataFetchException("", $"The mirror folder '{mirror}' does not exist (from --mirror or {MirrorVariable}).");
        string root = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(root);

        HttpClient? ownClient = null;
        try
        {
            var results = new List<FetchedFile>();
            for (int i = 0; i < files.Count; i++)
            {
                DataFile file = files[i];
                string target = Path.Combine(root, file.RelativePath);
                progress?.Report(new FetchProgress(file, i, files.Count, FetchStage.Checking, 0));
                bool replaced = false;
                if (File.Exists(target))
                {
                    if (await IsValidAsync(target, file, cancellation))
                    {
                        results.Add(new FetchedFile(file, FetchSource.AlreadyPresent, target, false));
                        progress?.Report(new FetchProgress(file, i, files.Count, FetchStage.Done, file.Bytes));
                        continue;
                    }
                    File.Delete(target);
                    replaced = true;
                }

                string? mirrored = mirror is null ? null : Path.Combine(Path.GetFullPath(mirror), file.RelativePath);
                FetchedFile fetched;
                if (mirrored is not null && File.Exists(mirrored))
                {
                    await using FileStream source = File.OpenRead(mirrored);
                    await WriteVerifiedAsync(source, target, file, mirrored, p => progress?.Report(new FetchProgress(file, i, files.Count, FetchStage.Copying, p)), cancellation);
                    fetched = new FetchedFile(file, FetchSource.Mirror, mirrored, replaced);
                }
                else
                {
                    string url = baseUrl + file.RelativePath;
                    http ??= ownClient = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
                    await DownloadAsync(http, url, target, file, offlineHint, p => progress?.Report(new FetchProgress(file, i, files.Count, FetchStage.Downloading, p)), cancellation);
                    fetched = new FetchedFile(file, FetchSource.Download, url, replaced);
                }
                results.Add(fetched);
                progress?.Report(new FetchProgress(file, i, files.Count, FetchStage.Done, file.Bytes));
            }
            return new FetchReport(root, results);
        }
        finally
        {
            ownClient?.Dispose();
        }
    }

    /// <summary>Whether the file at <paramref name="path"/> has the manifest size and SHA-256.</summary>
    public static async Task<bool> IsValidAsync(string path, DataFile file, CancellationToken cancellation = default)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length != file.Bytes) return false;
        return string.Equals(await Sha256Async(path, cancellation), file.Sha256, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The lowercase hex SHA-256 of a file.</summary>
    public static async Task<string> Sha256Async(string path, CancellationToken cancellation = default)
    {
        await using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellation));
    }

    private static async Task DownloadAsync(HttpClient http, string url, string target, DataFile file, string offlineHint, Action<long> onBytes,
        CancellationToken cancellation)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellation);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new DataFetchException(file.RelativePath, $"{file.RelativePath}: download from {url} failed: {e.Message}. {offlineHint}", file.Sha256, inner: e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new DataFetchException(file.RelativePath, $"{file.RelativePath}: download from {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}. {offlineHint}", file.Sha256);
            await using Stream body = await response.Content.ReadAsStreamAsync(cancellation);
            await WriteVerifiedAsync(body, target, file, url, onBytes, cancellation);
        }
    }

    /// <summary>Streams <paramref name="source"/> into a temporary file beside <paramref name="target"/>, checks size and SHA-256,
    /// then renames it into place. On any failure the temporary file is deleted and nothing is left at the target.</summary>
    private static async Task WriteVerifiedAsync(Stream source, string target, DataFile file, string origin, Action<long> onBytes, CancellationToken cancellation)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        string temp = AtomicFile.TempPathFor(target);
        try
        {
            string actual;
            long total = 0;
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                {
                    var buffer = new byte[1 << 16];
                    int read;
                    while ((read = await source.ReadAsync(buffer, cancellation)) > 0)
                    {
                        total += read;
                        if (total > file.Bytes)
                            throw new DataFetchException(file.RelativePath, $"{file.RelativePath}: {origin} is larger than the expected {file.Bytes} bytes", file.Sha256);
                        hash.AppendData(buffer, 0, read);
                        await output.WriteAsync(buffer.AsMemory(0, read), cancellation);
                        onBytes(total);
                    }
                    await output.FlushAsync(cancellation);
                    output.Flush(flushToDisk: true);
                }
                actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            if (total != file.Bytes || !string.Equals(actual, file.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new DataFetchException(file.RelativePath,
                    $"{file.RelativePath}: {origin} does not verify: expected {file.Bytes} bytes with SHA-256 {file.Sha256}, got {total} bytes with SHA-256 {actual}",
                    file.Sha256, actual);
            File.Move(temp, target, overwrite: true);
        }
        catch (Exception e) when (e is not DataFetchException and (IOException or HttpRequestException or UnauthorizedAccessException))
        {
            File.Delete(temp);
            throw new DataFetchException(file.RelativePath, $"{file.RelativePath}: reading {origin} failed: {e.Message} (expected SHA-256 {file.Sha256})", file.Sha256, inner: e);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
