using System.Text;

namespace Saliency.Notebook.Tests.Data;

/// <summary>Builds .npy images byte by byte (there is no numpy here), for the reader tests.</summary>
internal static class NpyBytes
{
    /// <summary>Magic, version, header length, the header dict padded to a multiple of 64 with a trailing newline, then the data.</summary>
    public static byte[] Build(string dict, byte[] data, int version = 1)
    {
        Encoding encoding = version == 3 ? Encoding.UTF8 : Encoding.Latin1;
        int lengthBytes = version == 1 ? 2 : 4;
        int unpadded = 8 + lengthBytes + encoding.GetByteCount(dict) + 1;
        string text = dict + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        byte[] header = encoding.GetBytes(text);
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0 };
        if (lengthBytes == 2) bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        else bytes.AddRange(BitConverter.GetBytes((uint)header.Length));
        bytes.AddRange(header);
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    /// <summary>The header dict numpy writes.</summary>
    public static string Dict(string descr, string shape, bool fortran = false) =>
        $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";

    /// <summary>Concatenates each value's bytes, reversed when <paramref name="bigEndian"/>.</summary>
    public static byte[] Pack<T>(IEnumerable<T> values, Func<T, byte[]> toLittleEndian, bool bigEndian = false) =>
        values.SelectMany(v =>
        {
            byte[] b = toLittleEndian(v);
            if (bigEndian) Array.Reverse(b);
            return b;
        }).ToArray();

    /// <summary>Fixed-width UTF-32 strings of <paramref name="chars"/> characters, NUL padded.</summary>
    public static byte[] Utf32(IEnumerable<string> values, int chars, bool bigEndian = false)
    {
        var encoding = new UTF32Encoding(bigEndian, byteOrderMark: false);
        return values.SelectMany(s =>
        {
            var cell = new byte[chars * 4];
            encoding.GetBytes(s).CopyTo(cell, 0);
            return cell;
        }).ToArray();
    }
}

/// <summary>A temporary folder deleted when disposed.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "saliency-test-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, byte[] bytes)
    {
        string path = File(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
