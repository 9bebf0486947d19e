using System.Globalization;

namespace Saliency.Notebook.Data.Datasets;

/// <summary>
/// The one order in which the kit lists classes (datasets, maps, charts, sanity checks, files): numeric when every label is an
/// integer, as numpy.unique sorts an int array (2 before 10), else ordinal, as it sorts a string array.
/// </summary>
public static class LabelOrder
{
    /// <summary>The distinct labels of <paramref name="labels"/> in the kit's class order.</summary>
    public static string[] Distinct(IEnumerable<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        string[] distinct = labels.Distinct(StringComparer.Ordinal).ToArray();
        var numbers = new long[distinct.Length];
        for (int i = 0; i < distinct.Length; i++)
            if (!long.TryParse(distinct[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out numbers[i]))
                return distinct.Order(StringComparer.Ordinal).ToArray();
        Array.Sort(numbers, distinct);
        return distinct;
    }
}
