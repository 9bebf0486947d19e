using System.Runtime.InteropServices;
using TorchSharp;
using Saliency.Notebook.IO;
using static TorchSharp.torch;

namespace Saliency.Notebook.Data.Npy;

/// <summary>
/// Writes a float32 C-order .npy file row block by row block, for arrays too large to hold: the rows go to a hidden temporary file
/// next to the target, <see cref="Complete"/> writes the final first-axis length into the header (its size is reserved up front),
/// flushes to disk and renames the file into place. Disposed before <see cref="Complete"/> (an error, an interrupted run), it
/// deletes the temporary file, so the target never holds half an array.
/// </summary>
public sealed class NpyStreamWriter : IDisposable
{
    private const long Placeholder = 999_999_999_999_999_999;   // 18 digits: header room for any first-axis length
    private readonly string _target;
    private readonly string _temp;
    private readonly long[] _rowShape;
    private readonly long _rowElements;
    private readonly int _headerLength;
    private FileStream? _stream;

    /// <summary>Starts <paramref name="path"/>, an array of rows of shape <paramref name="rowShape"/> (the shape without its first axis).</summary>
    public NpyStreamWriter(string path, params long[] rowShape)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(rowShape);
        _target = Path.GetFullPath(path);
        _rowShape = rowShape.ToArray();
        _rowElements = _rowShape.Aggregate(1L, (a, d) => d < 0 ? throw new ArgumentException("negative dimension", nameof(rowShape)) : checked(a * d));
        _headerLength = NpyWriter.Header(NpyDType.LittleEndianDescr(NpyKind.Float32), [Placeholder, .. _rowShape]).Length;
        Directory.CreateDirectory(Path.GetDirectoryName(_target)!);
        _temp = AtomicFile.TempPathFor(_target);
        _stream = new FileStream(_temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        _stream.Write(new byte[_headerLength]);
    }

    /// <summary>Rows written so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Appends the rows of <paramref name="rows"/> (B, rowShape...), any device and floating type (stored as float32).</summary>
    public void Append(Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var stream = _stream ?? throw new InvalidOperationException($"{_target}: the array is already complete.");
        if (rows.dim() != _rowShape.Length + 1 || !rows.shape.Skip(1).SequenceEqual(_rowShape))
            throw new ArgumentException($"{_target}: rows must be (B, {string.Join(", ", _rowShape)}); got [{string.Join(", ", rows.shape)}].", nameof(rows));
        float[] values;
        using (torch.NewDisposeScope()) values = rows.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            var raw = MemoryMarshal.Cast<float, int>(values.AsSpan());
            System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(raw, raw);
        }
        stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        Rows += rows.shape[0];
    }

    /// <summary>Writes the header with the final shape, flushes the file to disk and moves it into place.</summary>
    public void Complete()
    {
        var stream = _stream ?? throw new InvalidOperationException($"{_target}: the array is already complete.");
        byte[] header = NpyWriter.Header(NpyDType.LittleEndianDescr(NpyKind.Float32), [Rows, .. _rowShape], _headerLength);
        stream.Position = 0;
        stream.Write(header);
        stream.Flush(flushToDisk: true);
        stream.Dispose();
        _stream = null;
        File.Move(_temp, _target, overwrite: true);
    }

    /// <summary>Closes the file; before <see cref="Complete"/>, deletes the temporary file.</summary>
    public void Dispose()
    {
        if (_stream is null) return;
        _stream.Dispose();
        _stream = null;
        File.Delete(_temp);
    }
}
