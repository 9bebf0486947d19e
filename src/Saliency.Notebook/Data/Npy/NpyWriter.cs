using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using Saliency.Notebook.IO;
using static TorchSharp.torch;

namespace Saliency.Notebook.Data.Npy;

/// <summary>Writes little-endian, C-order .npy files (format 1.0) of float32, float64 or int64, atomically:
/// the bytes go to a temporary file in the target folder that is then renamed over the target, so readers never see half a file.</summary>
public static class NpyWriter
{
    /// <summary>Writes a float32 array of the given shape.</summary>
    public static void Write(string path, float[] data, params long[] shape) => WriteRaw(path, NpyKind.Float32, MemoryMarshal.AsBytes(data.AsSpan()), data.LongLength, shape);

    /// <summary>Writes a float64 array of the given shape.</summary>
    public static void Write(string path, double[] data, params long[] shape) => WriteRaw(path, NpyKind.Float64, MemoryMarshal.AsBytes(data.AsSpan()), data.LongLength, shape);

    /// <summary>Writes an int64 array of the given shape.</summary>
    public static void Write(string path, long[] data, params long[] shape) => WriteRaw(path, NpyKind.Int64, MemoryMarshal.AsBytes(data.AsSpan()), data.LongLength, shape);

    /// <summary>Writes a float32, float64 or int64 tensor (any device) with its shape.</summary>
    public static void Write(string path, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        Tensor cpu = tensor.detach().cpu().contiguous();
        long[] shape = cpu.shape;
        switch (cpu.dtype)
        {
            case ScalarType.Float32: Write(path, cpu.data<float>().ToArray(), shape); break;
            case ScalarType.Float64: Write(path, cpu.data<double>().ToArray(), shape); break;
            case ScalarType.Int64: Write(path, cpu.data<long>().ToArray(), shape); break;
            default: throw new ArgumentException($"{path}: the .npy writer writes float32, float64 or int64 tensors, not {cpu.dtype}", nameof(tensor));
        }
    }

    /// <summary>The complete .npy image (header and data) of an array, as <see cref="Write(string, float[], long[])"/> would store it.</summary>
    public static byte[] ToBytes(NpyKind kind, ReadOnlySpan<byte> littleEndianData, params long[] shape)
    {
        byte[] header = Header(NpyDType.LittleEndianDescr(kind), shape);
        var image = new byte[header.Length + littleEndianData.Length];
        header.CopyTo(image, 0);
        littleEndianData.CopyTo(image.AsSpan(header.Length));
        return image;
    }

    /// <summary>
    /// The magic, version 1.0, header length and header dict padded so that the data starts at a multiple of 64, or, with
    /// <paramref name="totalLength"/>, padded to exactly that many bytes (a streamed file's reserved header).
    /// </summary>
    internal static byte[] Header(string descr, long[] shape, int? totalLength = null)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        int unpadded = NpyReader.Magic.Length + 2 + 2 + dict.Length + 1;
        int padding = totalLength is int total ? total - unpadded : (64 - unpadded % 64) % 64;
        if (padding < 0) throw new ArgumentException($"the header of shape {shapeText} does not fit in {totalLength} bytes", nameof(totalLength));
        string text = dict + new string(' ', padding) + "\n";
        if (text.Length > ushort.MaxValue) throw new ArgumentException("shape too long for a version 1.0 header", nameof(shape));
        var header = new byte[NpyReader.Magic.Length + 4 + text.Length];
        NpyReader.Magic.CopyTo(header, 0);
        header[6] = 1;
        header[7] = 0;
        header[8] = (byte)(text.Length & 0xFF);
        header[9] = (byte)(text.Length >> 8);
        Encoding.ASCII.GetBytes(text, 0, text.Length, header, 10);
        return header;
    }

    private static void WriteRaw(string path, NpyKind kind, ReadOnlySpan<byte> nativeBytes, long count, long[] shape)
    {
        long expected = shape.Aggregate(1L, (a, d) => d < 0 ? throw new ArgumentException($"negative dimension in shape ({string.Join(", ", shape)})", nameof(shape)) : checked(a * d));
        if (expected != count)
            throw new ArgumentException($"{path}: data has {count} elements but shape ({string.Join(", ", shape)}) needs {expected}", nameof(shape));
        byte[] data = nativeBytes.ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            int size = kind == NpyKind.Float32 ? 4 : 8;
            for (int i = 0; i < data.Length; i += size) data.AsSpan(i, size).Reverse();
        }
        AtomicFile.Write(path, ToBytes(kind, data, shape));
    }
}
