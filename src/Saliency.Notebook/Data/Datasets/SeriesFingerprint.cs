using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Data.Datasets;

/// <summary>
/// SHA-256 fingerprints of chunked data, for work split across machines: <see cref="Of"/> tells two copies of a source apart cheaply
/// (its name, shape and 17 evenly spaced rows with their labels), and a <see cref="SeriesFingerprint"/> instance hashes every row it is
/// given (a shard's whole content, to check that a second pass reads what the first read). Values are hashed as float32, as they are read.
/// </summary>
public sealed class SeriesFingerprint : IDisposable
{
    /// <summary>The number of probe rows <see cref="Of"/> reads (fewer when N is smaller).</summary>
    public const int ProbeRows = 17;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Rows hashed so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Adds a chunk's values (as float32, in (B, C, L) order) and labels.</summary>
    public void Add(SeriesChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        using var scope = NewDisposeScope();
        var values = chunk.X.to(ScalarType.Float32).cpu().contiguous();
        _hash.AppendData(values.bytes);
        foreach (var label in chunk.Labels) AppendText(_hash, label);
        Rows += chunk.Count;
    }

    /// <summary>The hex SHA-256 of everything added, and resets the hash.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    /// <summary>Frees the hash.</summary>
    public void Dispose() => _hash.Dispose();

    /// <summary>
    /// The fingerprint of a whole source with a known N: SHA-256 of its name, C, L, N, plot kind and the values and labels of rows
    /// ⌊(N − 1)·k / 16⌋, k = 0..16. Read at their offsets from an <see cref="IRowRangeSeries"/>; any other source is read once through.
    /// </summary>
    public static string Of(IChunkedSeries source)
    {
        ArgumentNullException.ThrowIfNull(source);
        long n = source.Count ?? throw new ArgumentException($"'{source.Name}' does not say how many rows it has; a fingerprint needs N.", nameof(source));
        var probes = Enumerable.Range(0, ProbeRows).Select(k => n == 0 ? -1 : (n - 1) * k / (ProbeRows - 1)).Where(r => r >= 0).Distinct().ToArray();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendText(hash, string.Create(CultureInfo.InvariantCulture, $"{source.Name}|{source.Channels}|{source.Length}|{n}|{source.PlotKind}"));
        using var rows = new SeriesFingerprint();
        if (source is IRowRangeSeries ranged)
        {
            foreach (long row in probes)
                foreach (var chunk in ranged.Chunks(row, 1))
                    using (chunk) rows.Add(chunk);
        }
        else
        {
            long start = 0;
            int next = 0;
            foreach (var chunk in source.Chunks())
                using (chunk)
                {
                    for (; next < probes.Length && probes[next] < start + chunk.Count; next++)
                    {
                        int at = (int)(probes[next] - start);
                        using var one = new SeriesChunk(chunk.X.narrow(0, at, 1).clone(), [chunk.Labels[at]]);
                        rows.Add(one);
                    }
                    start += chunk.Count;
                }
        }
        if (rows.Rows != probes.Length) throw new InvalidOperationException($"'{source.Name}' gave {rows.Rows} of its {probes.Length} probe rows; it has fewer rows than its N = {n}.");
        hash.AppendData(Convert.FromHexString(rows.Finish()));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AppendText(IncrementalHash hash, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> length = stackalloc byte[sizeof(int)];
        MemoryMarshal.Write(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
