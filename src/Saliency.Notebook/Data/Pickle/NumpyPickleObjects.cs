using Saliency.Notebook.Data.Npy;

namespace Saliency.Notebook.Data.Pickle;

/// <summary>A numpy array as its pickle rebuilds it: <c>_reconstruct(ndarray, (0,), b'b')</c>, then BUILD with
/// <c>(version, shape, dtype, is_fortran, rawdata)</c>. Raw bytes for numeric dtypes, a list of Python objects for object dtype.</summary>
public sealed class PickledNdarray : IPickleBuildable
{
    /// <summary>The logical shape (set by BUILD).</summary>
    public long[] Shape { get; private set; } = [];

    /// <summary>The element type (set by BUILD).</summary>
    public PickledDtype? Dtype { get; private set; }

    /// <summary>Whether rawdata is in Fortran order (object lists are always in C order).</summary>
    public bool FortranOrder { get; private set; }

    /// <summary>The raw element bytes of a numeric array, or null.</summary>
    public byte[]? RawData { get; private set; }

    /// <summary>The elements of an object array in C order, or null.</summary>
    public List<object?>? Objects { get; private set; }

    /// <summary>The constructor the allow-list maps <c>numpy.core.multiarray._reconstruct</c> to.</summary>
    internal static object? Reconstruct(object?[] args)
    {
        if (args.Length < 1 || args[0] is not PickleGlobal { Module: "numpy", Name: "ndarray" })
            throw new InvalidDataException($"_reconstruct expects numpy.ndarray as its first argument, got {args.FirstOrDefault() ?? "None"}");
        return new PickledNdarray();
    }

    public void SetState(object? state)
    {
        if (state is not object?[] tuple || tuple.Length is not (4 or 5))
            throw new InvalidDataException("ndarray state must be a (version, shape, dtype, is_fortran, rawdata) tuple");
        int at = tuple.Length - 4;
        Shape = tuple[at] is object?[] dims && dims.All(d => d is long)
            ? dims.Select(d => (long)d!).ToArray()
            : throw new InvalidDataException("ndarray state: shape is not a tuple of ints");
        Dtype = tuple[at + 1] as PickledDtype ?? throw new InvalidDataException("ndarray state: dtype is not a numpy.dtype");
        FortranOrder = tuple[at + 2] is true;
        switch (tuple[at + 3])
        {
            case byte[] raw: RawData = raw; break;
            case string latin1: RawData = System.Text.Encoding.Latin1.GetBytes(latin1); break;
            case List<object?> objects: Objects = objects; break;
            default: throw new InvalidDataException("ndarray state: rawdata is neither bytes nor a list");
        }
    }

    /// <summary>The array as an <see cref="NpyArray"/> in C order; <paramref name="source"/> names the input in errors.</summary>
    public NpyArray ToNpyArray(string source)
    {
        if (Dtype is null) throw new PickleFormatException(source, "the pickled ndarray was never given its state (no BUILD)");
        NpyDType dtype = Dtype.ToNpyDType() ?? throw new PickleFormatException(source, $"unsupported dtype '{Dtype.Descr}' in pickled ndarray");
        long count = Shape.Aggregate(1L, (a, d) => checked(a * d));
        if (Objects is not null)
        {
            if (Objects.Count != count)
                throw new PickleFormatException(source, $"pickled object array has {Objects.Count} items, shape ({string.Join(", ", Shape)}) needs {count}");
            return new NpyArray(dtype, Shape, Objects.ToArray(), FortranOrder);
        }
        byte[] raw = RawData!;
        if (raw.LongLength != count * dtype.ItemSize)
            throw new PickleFormatException(source, $"pickled ndarray has {raw.Length} bytes, shape ({string.Join(", ", Shape)}) of {dtype.Descr} needs {count * dtype.ItemSize}");
        raw = (byte[])raw.Clone();
        if (FortranOrder && Shape.Length > 1) raw = NpyReader.FortranToC(raw, Shape, dtype.ItemSize);
        return new NpyArray(dtype, Shape, NpyReader.Decode(raw, dtype, (int)count), FortranOrder);
    }
}

/// <summary>A numpy dtype as its pickle rebuilds it: <c>dtype('f8', False, True)</c>, then BUILD with
/// <c>(version, byteorder, subarray, names, fields, elsize, alignment, flags)</c>.</summary>
public sealed class PickledDtype : IPickleBuildable
{
    private PickledDtype(string typeString) => TypeString = typeString;

    /// <summary>The first argument of the dtype call, e.g. <c>O8</c>, <c>f8</c>, <c>U5</c>.</summary>
    public string TypeString { get; }

    /// <summary>The byte order from the state: '&lt;', '&gt;', '|' or '='.</summary>
    public char ByteOrder { get; private set; } = '=';

    /// <summary>Element size in bytes from the state, or -1 when not given.</summary>
    public long ElementSize { get; private set; } = -1;

    /// <summary>The npy-style dtype string, e.g. <c>|O</c>, <c>&lt;f8</c>, <c>&lt;U5</c>.</summary>
    public string Descr
    {
        get
        {
            char kind = TypeString.Length > 0 ? TypeString[0] : '?';
            string size = TypeString[1..];
            if (kind == 'O') return "|O";
            if (kind == 'U' && ElementSize > 0) size = (ElementSize / 4).ToString(System.Globalization.CultureInfo.InvariantCulture);
            char order = ByteOrder == '=' ? (BitConverter.IsLittleEndian ? '<' : '>') : ByteOrder;
            return $"{order}{kind}{size}";
        }
    }

    internal NpyDType? ToNpyDType() => NpyDType.TryParse(Descr);

    /// <summary>The constructor the allow-list maps <c>numpy.dtype</c> to.</summary>
    internal static object? Create(object?[] args) =>
        args.Length >= 1 && args[0] is string type
            ? new PickledDtype(type)
            : throw new InvalidDataException("numpy.dtype expects a type string as its first argument");

    public void SetState(object? state)
    {
        if (state is not object?[] tuple || tuple.Length < 2 || tuple[1] is not string order || order.Length != 1)
            throw new InvalidDataException("dtype state must be a (version, byteorder, ...) tuple");
        ByteOrder = order[0];
        if (tuple.Length >= 6 && tuple[5] is long elsize) ElementSize = elsize;
    }
}
