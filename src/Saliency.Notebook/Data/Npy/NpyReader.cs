using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Saliency.Notebook.Data.Npy;

/// <summary>Reads numpy .npy files (format 1.0, 2.0 and 3.0) into <see cref="NpyArray"/>: numeric, bool, UTF-32 string and
/// pickled object dtypes, C or Fortran order, either byte order. Every error names the file.</summary>
public static class NpyReader
{
    internal static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads a .npy file.</summary>
    public static NpyArray Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        NpyHeader header = ReadHeader(path);
        if (header.DType.Kind != NpyKind.Object && header.Count * header.DType.ItemSize > Array.MaxLength)
            throw new NpyFormatException(path, $"shape {header.ShapeText} is too large to hold in memory; read it in chunks with NpyChunkReader");
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a .npy image from a stream; <paramref name="source"/> names it in errors.</summary>
    public static NpyArray Read(Stream stream, string source = "<stream>")
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), source);
    }

    /// <summary>Parses a whole .npy image held in memory; <paramref name="source"/> names it in errors.</summary>
    public static NpyArray Parse(ReadOnlySpan<byte> bytes, string source)
    {
        NpyHeader header = ParseHeader(bytes, source);
        if (header.DType.Kind != NpyKind.Object && header.Count * header.DType.ItemSize > Array.MaxLength)
            throw new NpyFormatException(source, $"shape {header.ShapeText} is too large to hold in memory; read it in chunks with NpyChunkReader");
        ReadOnlySpan<byte> payload = bytes[header.DataOffset..];
        NpyDType dtype = header.DType;
        if (dtype.Kind == NpyKind.Object)
            return NumpyPickle.ReadObjectArray(payload, header, source);

        long count = header.Count;
        long expected = count * dtype.ItemSize;
        if (payload.Length < expected)
            throw new NpyFormatException(source, $"truncated data: shape {header.ShapeText} of {dtype.Descr} needs {expected} bytes after the header, the file has {payload.Length}");
        if (payload.Length > expected)
            throw new NpyFormatException(source, $"header/shape mismatch: shape {header.ShapeText} of {dtype.Descr} needs {expected} bytes after the header, the file has {payload.Length}");

        byte[] raw = payload.ToArray();
        if (header.FortranOrder && header.Shape.Length > 1)
            raw = FortranToC(raw, header.Shape, dtype.ItemSize);
        Array data = Decode(raw, dtype, (int)count);
        return new NpyArray(dtype, header.Shape, data, header.FortranOrder, header.Version);
    }

    /// <summary>Reads only the header of a .npy file: dtype, shape, order and where the data starts.</summary>
    public static NpyHeader ReadHeader(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using FileStream fs = File.OpenRead(path);
        var prefix = new byte[Math.Min(fs.Length, 1 << 16)];
        fs.ReadExactly(prefix);
        return ParseHeader(prefix, path);
    }

    /// <summary>Parses the magic, version, header length and header dict.</summary>
    public static NpyHeader ParseHeader(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 8 || !bytes[..6].SequenceEqual(Magic))
            throw new NpyFormatException(source, "not a .npy file (wrong magic; expected \\x93NUMPY)");
        int major = bytes[6];
        int lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new NpyFormatException(source, $"unsupported .npy format version {major}.{bytes[7]}"),
        };
        int prefix = 8 + lengthBytes;
        if (bytes.Length < prefix) throw new NpyFormatException(source, "truncated header (no header length)");
        long headerLength = lengthBytes == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..])
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (bytes.Length < prefix + headerLength)
            throw new NpyFormatException(source, $"truncated header: declares {headerLength} bytes, the file has {bytes.Length - prefix}");
        ReadOnlySpan<byte> text = bytes.Slice(prefix, (int)headerLength);
        string headerText = major == 3 ? Encoding.UTF8.GetString(text) : Encoding.Latin1.GetString(text);

        Dictionary<string, object?> dict;
        try
        {
            dict = PyLiteralParser.ParseDict(headerText.Trim());
        }
        catch (FormatException e)
        {
            throw new NpyFormatException(source, $"malformed header dict ({e.Message}): {headerText.Trim()}", e);
        }
        if (!dict.TryGetValue("descr", out object? descrValue) || !dict.TryGetValue("fortran_order", out object? fortranValue) || !dict.TryGetValue("shape", out object? shapeValue))
            throw new NpyFormatException(source, $"malformed header dict (needs 'descr', 'fortran_order' and 'shape'): {headerText.Trim()}");
        if (descrValue is not string descr)
            throw new NpyFormatException(source, $"unsupported dtype {Printable(descrValue)} (structured dtypes are not read)");
        NpyDType dtype = NpyDType.TryParse(descr)
            ?? throw new NpyFormatException(source, $"unsupported dtype '{descr}' (the kit reads f4, f8, i1, i2, i4, i8, u1, b1, U and O)");
        if (fortranValue is not bool fortran)
            throw new NpyFormatException(source, $"malformed header dict ('fortran_order' is {Printable(fortranValue)}, not True/False)");
        if (shapeValue is not List<object?> dims || dims.Any(d => d is not long l || l < 0))
            throw new NpyFormatException(source, $"malformed header dict ('shape' is {Printable(shapeValue)}, not a tuple of non-negative ints)");
        long[] shape = dims.Select(d => (long)d!).ToArray();
        long count;
        try
        {
            count = shape.Aggregate(1L, (a, d) => checked(a * d));
            _ = checked(count * dtype.ItemSize);
        }
        catch (OverflowException)
        {
            throw new NpyFormatException(source, $"header/shape mismatch: shape ({string.Join(", ", shape)}) is too large");
        }
        return new NpyHeader(major, bytes[7], dtype, shape, fortran, prefix + (int)headerLength, headerText.TrimEnd());
    }

    private static string Printable(object? value) => value switch
    {
        null => "None",
        List<object?> list => $"[{string.Join(", ", list.Select(Printable))}]",
        _ => value.ToString()!,
    };

    /// <summary>Reorders elements stored in Fortran order (first index fastest) into C order (last index fastest).</summary>
    internal static byte[] FortranToC(byte[] fortran, long[] shape, int itemSize)
    {
        int rank = shape.Length;
        var fStride = new long[rank];
        long s = 1;
        for (int k = 0; k < rank; k++) { fStride[k] = s; s *= shape[k]; }
        var result = new byte[fortran.Length];
        if (s == 0) return result;
        var index = new long[rank];
        long fOffset = 0;
        for (long c = 0; c < s; c++)
        {
            Buffer.BlockCopy(fortran, (int)(fOffset * itemSize), result, (int)(c * itemSize), itemSize);
            for (int k = rank - 1; k >= 0; k--)
            {
                index[k]++;
                fOffset += fStride[k];
                if (index[k] < shape[k]) break;
                fOffset -= index[k] * fStride[k];
                index[k] = 0;
            }
        }
        return result;
    }

    /// <summary>Turns raw element bytes (C order, file byte order) into the typed array of the dtype.</summary>
    internal static Array Decode(byte[] raw, NpyDType dtype, int count)
    {
        int unit = dtype.Kind == NpyKind.Unicode ? 4 : dtype.ItemSize;
        if (unit > 1 && dtype.BigEndian == BitConverter.IsLittleEndian)
        {
            for (int i = 0; i + unit <= raw.Length; i += unit) raw.AsSpan(i, unit).Reverse();
        }
        return dtype.Kind switch
        {
            NpyKind.Float32 => MemoryMarshal.Cast<byte, float>(raw).ToArray(),
            NpyKind.Float64 => MemoryMarshal.Cast<byte, double>(raw).ToArray(),
            NpyKind.Int8 => MemoryMarshal.Cast<byte, sbyte>(raw).ToArray(),
            NpyKind.Int16 => MemoryMarshal.Cast<byte, short>(raw).ToArray(),
            NpyKind.Int32 => MemoryMarshal.Cast<byte, int>(raw).ToArray(),
            NpyKind.Int64 => MemoryMarshal.Cast<byte, long>(raw).ToArray(),
            NpyKind.UInt8 => raw,
            NpyKind.Bool => Array.ConvertAll(raw, b => b != 0),
            NpyKind.Unicode => DecodeUnicode(raw, dtype.ItemSize, count),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype.Kind, "object arrays are unpickled, not decoded"),
        };
    }

    private static string[] DecodeUnicode(byte[] raw, int itemSize, int count)
    {
        var result = new string[count];
        var utf32 = new UTF32Encoding(bigEndian: !BitConverter.IsLittleEndian, byteOrderMark: false);
        for (int i = 0; i < count; i++)
            result[i] = itemSize == 0 ? "" : utf32.GetString(raw, i * itemSize, itemSize).TrimEnd('\0');
        return result;
    }
}

/// <summary>The parsed header of a .npy file.</summary>
/// <param name="Version">Format major version (1, 2 or 3).</param>
/// <param name="MinorVersion">Format minor version.</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Logical shape.</param>
/// <param name="FortranOrder">Whether the data is stored in Fortran order.</param>
/// <param name="DataOffset">Byte offset of the first data byte.</param>
/// <param name="Text">The header dict as written.</param>
public sealed record NpyHeader(int Version, int MinorVersion, NpyDType DType, long[] Shape, bool FortranOrder, int DataOffset, string Text)
{
    /// <summary>Number of elements.</summary>
    public long Count => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>The shape as numpy prints it.</summary>
    public string ShapeText => Shape.Length == 1 ? $"({Shape[0]},)" : $"({string.Join(", ", Shape)})";
}
