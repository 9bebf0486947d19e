namespace Saliency.Notebook.IO;

/// <summary>The lookup by name that every registry of the kit (datasets, methods, sanity checks) shares, with one error wording.</summary>
public static class Registry
{
    /// <summary>The entry of <paramref name="all"/> called <paramref name="name"/> (case-insensitive, trimmed), or an error listing the names.</summary>
    public static T Find<T>(IReadOnlyList<T> all, Func<T, string> nameOf, string name, string kind)
    {
        ArgumentNullException.ThrowIfNull(name, kind);
        return all.FirstOrDefault(entry => string.Equals(nameOf(entry), name.Trim(), StringComparison.OrdinalIgnoreCase))
               ?? throw new ArgumentException($"Unknown {kind} '{name}'; known: {string.Join(", ", all.Select(nameOf))}.", kind);
    }
}
