using System.Text.RegularExpressions;

namespace Saliency.Notebook.Data.Npy;

/// <summary>The element kinds the kit reads from .npy files.</summary>
public enum NpyKind
{
    Float32,
    Float64,
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    Bool,
    /// <summary>Fixed-width UTF-32 string (<c>&lt;U</c>/<c>&gt;U</c>).</summary>
    Unicode,
    /// <summary>Python objects, stored as a pickle after the header (<c>|O</c>).</summary>
    Object,
}

/// <summary>A parsed numpy dtype string such as <c>&lt;f4</c>, <c>|b1</c> or <c>&gt;U7</c>: kind, item size and byte order.</summary>
/// <param name="Kind">Element kind.</param>
/// <param name="ItemSize">Bytes per element (for Unicode: 4 × characters).</param>
/// <param name="BigEndian">Whether multi-byte elements are stored big-endian.</param>
/// <param name="Descr">The dtype string as written in the header.</param>
public sealed partial record NpyDType(NpyKind Kind, int ItemSize, bool BigEndian, string Descr)
{
    /// <summary>Characters per element of a Unicode dtype.</summary>
    public int Characters => Kind == NpyKind.Unicode ? ItemSize / 4 : 0;

    /// <summary>The byte-order character as numpy writes it: '&lt;', '&gt;' or '|' for single-byte and object types.</summary>
    public char ByteOrder => ItemSize <= 1 || Kind == NpyKind.Object ? '|' : BigEndian ? '>' : '<';

    [GeneratedRegex(@"^([<>|=]?)([a-zA-Z])(\d*)$")]
    private static partial Regex DescrPattern();

    /// <summary>Parses a dtype string; returns null for a dtype the kit does not read (complex, datetime, structured, ...).</summary>
    public static NpyDType? TryParse(string descr)
    {
        Match m = DescrPattern().Match(descr);
        if (!m.Success) return null;
        char order = m.Groups[1].Value.Length == 1 ? m.Groups[1].Value[0] : '=';
        char kind = m.Groups[2].Value[0];
        int size = m.Groups[3].Value.Length == 0 ? -1 : int.Parse(m.Groups[3].Value);
        bool big = order == '>' || (order == '=' && !BitConverter.IsLittleEndian);
        NpyKind? k = (kind, size) switch
        {
            ('f', 4) => NpyKind.Float32,
            ('f', 8) => NpyKind.Float64,
            ('i', 1) => NpyKind.Int8,
            ('i', 2) => NpyKind.Int16,
            ('i', 4) => NpyKind.Int32,
            ('i', 8) => NpyKind.Int64,
            ('u', 1) or ('B', -1) => NpyKind.UInt8,
            ('b', 1) or ('?', -1) => NpyKind.Bool,
            ('U', >= 0) => NpyKind.Unicode,
            ('O', -1 or 8 or 4) => NpyKind.Object,
            _ => null,
        };
        if (k is null) return null;
        int itemSize = k.Value switch
        {
            NpyKind.Float32 or NpyKind.Int32 => 4,
            NpyKind.Float64 or NpyKind.Int64 => 8,
            NpyKind.Int16 => 2,
            NpyKind.Unicode => checked(size * 4),
            NpyKind.Object => 8,
            _ => 1,
        };
        return new NpyDType(k.Value, itemSize, big, descr);
    }

    /// <summary>The little-endian dtype string the writer uses for a kind (<c>&lt;f4</c>, <c>&lt;f8</c>, <c>&lt;i8</c>).</summary>
    internal static string LittleEndianDescr(NpyKind kind) => kind switch
    {
        NpyKind.Float32 => "<f4",
        NpyKind.Float64 => "<f8",
        NpyKind.Int64 => "<i8",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "the writer writes f4, f8 and i8 only"),
    };
}
