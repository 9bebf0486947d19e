using System.Globalization;
using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Data.Npy;

/// <summary>An n-dimensional array read from a .npy file, always held in C (row-major) order and native byte order.
/// <see cref="Data"/> is the typed array (float[], double[], sbyte[], short[], int[], long[], byte[], bool[], string[] or object?[]).</summary>
public sealed class NpyArray
{
    public NpyArray(NpyDType dtype, long[] shape, Array data, bool fortranOrder = false, int formatVersion = 1)
    {
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension in shape ({string.Join(", ", shape)})", nameof(shape));
            count = checked(count * d);
        }
        if (data.LongLength != count)
            throw new ArgumentException($"data has {data.LongLength} elements but shape ({string.Join(", ", shape)}) needs {count}", nameof(data));
        DType = dtype;
        Shape = shape;
        Data = data;
        FortranOrder = fortranOrder;
        FormatVersion = formatVersion;
    }

    /// <summary>The element type as declared in the file.</summary>
    public NpyDType DType { get; }

    /// <summary>The dtype string of the header, e.g. <c>&lt;f4</c>.</summary>
    public string Descr => DType.Descr;

    /// <summary>The logical shape.</summary>
    public long[] Shape { get; }

    /// <summary>Whether the file stored the data in Fortran order (the data here is already reordered to C order).</summary>
    public bool FortranOrder { get; }

    /// <summary>The .npy format major version the file used (1, 2 or 3).</summary>
    public int FormatVersion { get; }

    /// <summary>The elements in C order.</summary>
    public Array Data { get; }

    /// <summary>Number of elements.</summary>
    public long Length => Data.LongLength;

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>The shape as numpy prints it, e.g. <c>(1100, 60, 2)</c> or <c>(990,)</c>.</summary>
    public string ShapeText => Shape.Length == 1 ? $"({Shape[0]},)" : $"({string.Join(", ", Shape)})";

    /// <summary>The elements as float32 (numeric and bool kinds).</summary>
    public float[] ToSingleArray() => Data switch
    {
        float[] f => (float[])f.Clone(),
        double[] d => Array.ConvertAll(d, v => (float)v),
        _ => Array.ConvertAll(ToDoubleArray(), v => (float)v),
    };

    /// <summary>The elements as float64 (numeric and bool kinds).</summary>
    public double[] ToDoubleArray() => Data switch
    {
        float[] f => Array.ConvertAll(f, v => (double)v),
        double[] d => (double[])d.Clone(),
        sbyte[] a when IsExactly<sbyte[]>() => Array.ConvertAll(a, v => (double)v),
        short[] a => Array.ConvertAll(a, v => (double)v),
        int[] a => Array.ConvertAll(a, v => (double)v),
        long[] a => Array.ConvertAll(a, v => (double)v),
        byte[] a when IsExactly<byte[]>() => Array.ConvertAll(a, v => (double)v),
        bool[] a => Array.ConvertAll(a, v => v ? 1.0 : 0.0),
        _ => throw new InvalidOperationException($"a {Descr} array has no numeric values"),
    };

    /// <summary>The elements as int64 (integer and bool kinds, and object arrays of Python ints).</summary>
    public long[] ToInt64Array() => Data switch
    {
        sbyte[] a when IsExactly<sbyte[]>() => Array.ConvertAll(a, v => (long)v),
        short[] a => Array.ConvertAll(a, v => (long)v),
        int[] a => Array.ConvertAll(a, v => (long)v),
        long[] a => (long[])a.Clone(),
        byte[] a when IsExactly<byte[]>() => Array.ConvertAll(a, v => (long)v),
        bool[] a => Array.ConvertAll(a, v => v ? 1L : 0L),
        object?[] o => Array.ConvertAll(o, v => v switch
        {
            long l => l,
            bool b => b ? 1L : 0L,
            BigInteger big when big >= long.MinValue && big <= long.MaxValue => (long)big,
            _ => throw new InvalidOperationException($"object element {Describe(v)} is not an int64"),
        }),
        _ => throw new InvalidOperationException($"a {Descr} array has no integer values"),
    };

    /// <summary>The elements as strings: Unicode and object-of-str arrays as stored; numbers in invariant culture (useful for integer labels).</summary>
    public string[] ToStringArray() => Data switch
    {
        string[] s => (string[])s.Clone(),
        object?[] o => Array.ConvertAll(o, v => v switch
        {
            string s => s,
            long or BigInteger or bool => Convert.ToString(v, CultureInfo.InvariantCulture)!,
            _ => throw new InvalidOperationException($"object element {Describe(v)} is not a string"),
        }),
        float[] or double[] => Array.ConvertAll(ToDoubleArray(), v => v.ToString("R", CultureInfo.InvariantCulture)),
        _ => Array.ConvertAll(ToInt64Array(), v => v.ToString(CultureInfo.InvariantCulture)),
    };

    /// <summary>A float32 tensor with this array's shape (the data is copied).</summary>
    public Tensor ToTensor() => torch.tensor(ToSingleArray(), Shape, ScalarType.Float32);

    /// <summary>For a 3-D array stored (N, L, C), the float32 tensor (N, C, L) the models take (axes 1 and 2 swapped, contiguous).</summary>
    public Tensor ToChannelsFirstTensor()
    {
        if (Rank != 3) throw new InvalidOperationException($"expected a 3-D (N, L, C) array, got shape {ShapeText}");
        using Tensor nlc = ToTensor();
        using Tensor view = nlc.permute(0, 2, 1);
        return view.contiguous();
    }

    // The CLR lets a byte[] pass as sbyte[] (and back) in type tests, so the two are told apart by exact type.
    private bool IsExactly<T>() => Data.GetType() == typeof(T);

    private static string Describe(object? v) => v is null ? "None" : $"{v} ({v.GetType().Name})";
}
