using System.Collections;
using System.Numerics;

namespace Saliency.Notebook.Data.Pickle;

/// <summary>The allow-list of Python globals a <see cref="RestrictedUnpickler"/> may reference: callables map to C# constructors,
/// markers are only referenced. Any global not listed is refused, so loading a pickle never runs foreign code.</summary>
public sealed class PickleAllowList
{
    private readonly Dictionary<(string Module, string Name), Func<object?[], object?>?> _entries = new();

    /// <summary>Allows <c>module.name</c> as a callable; <paramref name="construct"/> gets the argument tuple of REDUCE/NEWOBJ. Returns this.</summary>
    public PickleAllowList Allow(string module, string name, Func<object?[], object?> construct)
    {
        ArgumentNullException.ThrowIfNull(construct);
        _entries[(module, name)] = construct;
        return this;
    }

    /// <summary>Allows <c>module.name</c> only as a value (it evaluates to a <see cref="PickleGlobal"/>); calling it is refused. Returns this.</summary>
    public PickleAllowList AllowMarker(string module, string name)
    {
        _entries.TryAdd((module, name), null);
        return this;
    }

    /// <summary>Whether <c>module.name</c> may be referenced.</summary>
    public bool IsAllowed(string module, string name) => _entries.ContainsKey((module, name));

    /// <summary>The constructor registered for a callable global, or null for a marker or an unknown global.</summary>
    internal Func<object?[], object?>? ConstructorOf(string module, string name) =>
        _entries.TryGetValue((module, name), out var construct) ? construct : null;

    /// <summary>What numpy's pickles of arrays need: <c>_reconstruct</c> (both module spellings), <c>ndarray</c> (a marker) and <c>dtype</c>.
    /// <c>_reconstruct</c> yields a <see cref="PickledNdarray"/>, <c>dtype</c> a <see cref="PickledDtype"/>; BUILD fills them.</summary>
    public static PickleAllowList NumpyArrays() => new PickleAllowList()
        .Allow("numpy.core.multiarray", "_reconstruct", PickledNdarray.Reconstruct)
        .Allow("numpy._core.multiarray", "_reconstruct", PickledNdarray.Reconstruct)
        .AllowMarker("numpy", "ndarray")
        .Allow("numpy", "dtype", PickledDtype.Create);
}

/// <summary>What a global evaluates to on the unpickler's stack: its module and name (calls go through the allow-list).</summary>
public sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>An object built by an allowed constructor that accepts BUILD (Python's <c>__setstate__</c>).</summary>
public interface IPickleBuildable
{
    /// <summary>Receives the BUILD state.</summary>
    void SetState(object? state);
}

/// <summary>A Python dict (or OrderedDict): keeps insertion order, compares tuple and bytes keys by value,
/// and keeps the state of a BUILD (e.g. an OrderedDict's <c>_metadata</c>) in <see cref="State"/>.</summary>
public sealed class PickleDict : Dictionary<object, object?>, IPickleBuildable
{
    public PickleDict() : base(PickleKeyComparer.Instance)
    {
    }

    /// <summary>The state BUILD set on this dict, or null.</summary>
    public object? State { get; private set; }

    public void SetState(object? state) => State = state;
}

/// <summary>Python equality for dict keys: tuples and bytes by content, numbers across long/BigInteger, else Equals.</summary>
internal sealed class PickleKeyComparer : IEqualityComparer<object>
{
    public static readonly PickleKeyComparer Instance = new();

    public new bool Equals(object? x, object? y) => (Normalize(x), Normalize(y)) switch
    {
        (object?[] a, object?[] b) => a.Length == b.Length && a.Zip(b).All(p => Equals(p.First, p.Second)),
        (byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b),
        (var a, var b) => object.Equals(a, b),
    };

    public int GetHashCode(object obj)
    {
        switch (Normalize(obj))
        {
            case object?[] tuple:
                var h = new HashCode();
                foreach (object? item in tuple) h.Add(item is null ? 0 : GetHashCode(item));
                return h.ToHashCode();
            case byte[] bytes:
                var hb = new HashCode();
                hb.AddBytes(bytes);
                return hb.ToHashCode();
            case var other:
                return other?.GetHashCode() ?? 0;
        }
    }

    private static object? Normalize(object? value) => value switch
    {
        BigInteger b when b >= long.MinValue && b <= long.MaxValue => (long)b,
        bool flag => flag ? 1L : 0L,
        _ => value,
    };
}

/// <summary>A pickle that is malformed, truncated, uses an unknown opcode or an unsupported construct. The message names the source.</summary>
public class PickleFormatException : DataFormatException
{
    public PickleFormatException(string sourceName, string problem, Exception? inner = null) : base(sourceName, problem, inner)
    {
    }
}

/// <summary>A pickle that references a global outside the allow-list (e.g. <c>os.system</c>); nothing was executed.
/// The message names <c>module.name</c> and the source.</summary>
public sealed class PickleSecurityException : PickleFormatException
{
    public PickleSecurityException(string sourceName, string module, string name)
        : base(sourceName, $"refused pickle global '{module}.{name}': it is not on the allow-list (nothing was executed)")
    {
        Module = module;
        Name = name;
    }

    /// <summary>The refused global's module.</summary>
    public string Module { get; }

    /// <summary>The refused global's name.</summary>
    public string Name { get; }
}

/// <summary>A Python set or frozenset from a pickle.</summary>
public sealed class PickleSet : HashSet<object?>
{
    public PickleSet() : base(new NullableKeyComparer())
    {
    }

    private sealed class NullableKeyComparer : IEqualityComparer<object?>
    {
        public new bool Equals(object? x, object? y) => x is null ? y is null : y is not null && PickleKeyComparer.Instance.Equals(x, y);
        public int GetHashCode(object? obj) => obj is null ? 0 : PickleKeyComparer.Instance.GetHashCode(obj);
    }
}

internal static class PickleCollections
{
    /// <summary>Adds items to a list-like target (APPEND/APPENDS).</summary>
    public static bool TryAppend(object? target, IEnumerable<object?> items)
    {
        switch (target)
        {
            case List<object?> list: list.AddRange(items); return true;
            case IList ilist when !ilist.IsFixedSize && !ilist.IsReadOnly:
                foreach (object? item in items) ilist.Add(item);
                return true;
            default: return false;
        }
    }
}
