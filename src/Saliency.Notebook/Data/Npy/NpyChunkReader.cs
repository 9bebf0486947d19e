using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Saliency.Notebook.Data.Npy;

/// <summary>
/// Reads rows (slices along the first axis) of a C-order float32 or float64 .npy file of any size by positional reads at 64-bit
/// offsets, as float32: no 2 GB limit, and memory bounded by the rows asked for (file pages are not mapped, so the resident memory
/// stays flat however large the file). Either byte order; Fortran order is refused (its rows are not contiguous).
/// </summary>
public sealed class NpyChunkReader : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly string _path;

    /// <summary>Opens <paramref name="path"/> and checks its header against its length.</summary>
    public NpyChunkReader(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        _path = path;
        Header = NpyReader.ReadHeader(path);
        if (Header.DType.Kind is not (NpyKind.Float32 or NpyKind.Float64))
            throw new NpyFormatException(path, $"chunked reading takes float32 or float64 arrays, not {Header.DType.Descr}");
        if (Header.Shape.Length == 0) throw new NpyFormatException(path, "a 0-d array has no rows");
        if (Header.FortranOrder && Header.Shape.Length > 1)
            throw new NpyFormatException(path, "a Fortran-order array cannot be read in rows; save it in C order (numpy's default)");
        Rows = Header.Shape[0];
        RowElements = Header.Shape.Skip(1).Aggregate(1L, (a, d) => checked(a * d));
        long expected = RowOffset(Header.DataOffset, Rows, RowElements, Header.DType.ItemSize);
        long actual = new FileInfo(path).Length;
        if (actual != expected)
            throw new NpyFormatException(path, $"{(actual < expected ? "truncated data" : "header/shape mismatch")}: shape {Header.ShapeText} of {Header.DType.Descr} needs {expected} bytes with the header, the file has {actual}");
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
    }

    /// <summary>The file's header.</summary>
    public NpyHeader Header { get; }

    /// <summary>Length of the first axis.</summary>
    public long Rows { get; }

    /// <summary>Elements per row (the product of the other axes).</summary>
    public long RowElements { get; }

    /// <summary>The byte offset of row <paramref name="row"/>: data offset + row × elements per row × item size, in checked 64-bit arithmetic.</summary>
    public static long RowOffset(long dataOffset, long row, long rowElements, int itemSize) =>
        checked(dataOffset + row * rowElements * itemSize);

    /// <summary>Reads rows [<paramref name="first"/>, first + <paramref name="count"/>) into <paramref name="destination"/> (count × <see cref="RowElements"/> floats).</summary>
    public void ReadRows(long first, int count, Span<float> destination)
    {
        if (first < 0 || count < 0 || first + count > Rows)
            throw new ArgumentOutOfRangeException(nameof(first), $"rows {first}..{first + count} are outside 0..{Rows} of {_path}");
        long elements = checked(count * RowElements);
        if (destination.Length < elements) throw new ArgumentException($"the destination holds {destination.Length} floats; {elements} are needed", nameof(destination));
        var target = destination[..(int)elements];
        long offset = RowOffset(Header.DataOffset, first, RowElements, Header.DType.ItemSize);
        if (Header.DType.Kind == NpyKind.Float32)
        {
            ReadExactly(MemoryMarshal.AsBytes(target), offset);
            if (Header.DType.BigEndian == BitConverter.IsLittleEndian)
            {
                var raw = MemoryMarshal.Cast<float, int>(target);
                BinaryPrimitives.ReverseEndianness(raw, raw);
            }
            return;
        }
        const int block = 1 << 16;
        var buffer = new double[Math.Min(block, elements)];
        for (long done = 0; done < elements; done += buffer.Length)
        {
            int n = (int)Math.Min(buffer.Length, elements - done);
            var part = buffer.AsSpan(0, n);
            ReadExactly(MemoryMarshal.AsBytes(part), offset + done * sizeof(double));
            if (Header.DType.BigEndian == BitConverter.IsLittleEndian)
            {
                var raw = MemoryMarshal.Cast<double, long>(part);
                BinaryPrimitives.ReverseEndianness(raw, raw);
            }
            for (int i = 0; i < n; i++) target[(int)done + i] = (float)part[i];
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _file.Dispose();

    private void ReadExactly(Span<byte> bytes, long offset)
    {
        while (bytes.Length > 0)
        {
            int read = RandomAccess.Read(_file, bytes, offset);
            if (read == 0) throw new NpyFormatException(_path, $"truncated data at byte {offset}");
            bytes = bytes[read..];
            offset += read;
        }
    }
}
