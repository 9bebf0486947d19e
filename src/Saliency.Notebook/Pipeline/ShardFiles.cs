using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.IO;

namespace Saliency.Notebook.Pipeline;

/// <summary>
/// The files of a sharded run (<see cref="ShardedGlobalSaliency"/>). A partial is one <c>.npz</c> (a zip numpy's <c>np.load</c> reads):
/// <c>manifest.json</c> (format, version, kind, shard, fingerprints, settings, what the shard saw) and its arrays as .npy entries,
/// written atomically. The fit is one JSON file. Names carry the shard (<c>moments-0003-of-0008.npz</c>) so a folder shared by the
/// workers holds every shard's files side by side.
/// </summary>
internal static class ShardFiles
{
    /// <summary>The format tag of every partial and fit file.</summary>
    public const string Format = "saliency-shards";

    /// <summary>The version of the files' layout; a reader refuses any other (raise it when a key or array changes meaning).</summary>
    public const int FormatVersion = 1;

    public const string MomentsKind = "moments";
    public const string MapsKind = "maps";
    public const string FitKind = "fit";

    /// <summary>The file name of <paramref name="kind"/>'s partial of shard <paramref name="index"/> of <paramref name="count"/>.</summary>
    public static string Name(string kind, int index, int count, string extension)
    {
        int width = Math.Max(4, count.ToString(CultureInfo.InvariantCulture).Length);
        return string.Create(CultureInfo.InvariantCulture, $"{kind}-{index.ToString($"D{width}", CultureInfo.InvariantCulture)}-of-{count.ToString($"D{width}", CultureInfo.InvariantCulture)}{extension}");
    }

    /// <summary>An array entry of a partial.</summary>
    public sealed record NpyEntry(string Name, NpyKind Kind, byte[] LittleEndianData, long[] Shape)
    {
        public static NpyEntry Of(string name, double[] values, params long[] shape) => new(name, NpyKind.Float64, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), shape);
        public static NpyEntry Of(string name, long[] values, params long[] shape) => new(name, NpyKind.Int64, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), shape);
    }

    /// <summary>Writes a partial: the manifest and the arrays, atomically (a reader sees no file or the whole file).</summary>
    public static void WritePartial(string path, JsonObject manifest, IEnumerable<NpyEntry> arrays)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Partials are written on little-endian machines.");
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            Entry(zip, "manifest.json", JsonSerializer.SerializeToUtf8Bytes(manifest, Indented));
            foreach (var array in arrays) Entry(zip, array.Name + ".npy", NpyWriter.ToBytes(array.Kind, array.LittleEndianData, array.Shape));
        });
    }

    /// <summary>A partial read back: its manifest and arrays, after checking its format, version and kind.</summary>
    public sealed class Partial(string path, JsonObject manifest, IReadOnlyDictionary<string, NpyArray> arrays)
    {
        public string Path => path;
        public string FileName => System.IO.Path.GetFileName(path);
        public JsonObject Manifest => manifest;
        public NpyArray Array(string name) => arrays.TryGetValue(name, out var array) ? array
            : throw new InvalidDataException($"{path} has no array '{name}'; it is damaged or not a partial of this kit.");
    }

    /// <summary>Reads the partial at <paramref name="path"/>, which must be of <paramref name="kind"/>.</summary>
    public static Partial ReadPartial(string path, string kind)
    {
        JsonObject? manifest = null;
        var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        try
        {
            using var zip = ZipFile.OpenRead(path);
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                if (entry.FullName == "manifest.json") manifest = JsonNode.Parse(stream)?.AsObject();
                else if (entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) arrays[entry.FullName[..^4]] = NpyReader.Read(stream, $"{path}:{entry.FullName}");
            }
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or NpyFormatException)
        {
            throw new InvalidDataException($"{path} is not a readable partial ({e.Message}); write it again with its shard's command.", e);
        }
        if (manifest is null) throw new InvalidDataException($"{path} has no manifest.json; it is not a partial of this kit.");
        CheckHeader(path, manifest, kind);
        return new Partial(path, manifest, arrays);
    }

    /// <summary>Writes the fit file atomically.</summary>
    public static void WriteFit(string path, JsonObject fit) => AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(fit, Indented));

    /// <summary>Reads the fit file, with the SHA-256 of its bytes (which the maps partials record).</summary>
    public static (JsonObject Fit, string Sha256) ReadFit(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--fit {path}: no such file; write it with 'saliency pipeline fit'.", path);
        byte[] bytes = File.ReadAllBytes(path);
        JsonObject fit;
        try { fit = JsonNode.Parse(bytes)?.AsObject() ?? throw new InvalidDataException($"{path} is empty."); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not a fit file of this kit: {e.Message}", e); }
        CheckHeader(path, fit, FitKind);
        return (fit, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    /// <summary>The SHA-256 of a file's bytes.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The partials of <paramref name="kind"/> in <paramref name="folders"/> (<c>kind-*-of-*.npz</c>), in name order.</summary>
    public static IReadOnlyList<string> Find(IEnumerable<string> folders, string kind)
    {
        var files = new List<string>();
        foreach (var folder in folders)
        {
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"--partials {folder}: no such folder.");
            files.AddRange(Directory.GetFiles(folder, $"{kind}-*-of-*.npz"));
        }
        if (files.Count == 0)
            throw new FileNotFoundException($"No {kind} partials ({kind}-*-of-*.npz) in {string.Join(", ", folders)}; run 'saliency pipeline {kind} --shard I/N' for every shard first.");
        return files.Order(StringComparer.Ordinal).ToList();
    }

    private static void CheckHeader(string path, JsonObject manifest, string kind)
    {
        string? format = (string?)manifest["format"];
        if (format != Format) throw new InvalidDataException($"{path} is not a file of a sharded run (format '{format}', expected '{Format}').");
        int? version = (int?)manifest["format_version"];
        if (version != FormatVersion)
            throw new InvalidDataException($"{path} has format version {version?.ToString(CultureInfo.InvariantCulture) ?? "none"}; this kit reads version {FormatVersion}. Recompute it with this kit.");
        string? actual = (string?)manifest["kind"];
        if (actual != kind) throw new InvalidDataException($"{path} is a {actual} file; a {kind} file was expected here.");
    }

    private static void Entry(ZipArchive zip, string name, byte[] bytes)
    {
        using var entry = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        entry.Write(bytes);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
