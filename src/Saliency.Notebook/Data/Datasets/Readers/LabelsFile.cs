using System.Text;
using Saliency.Notebook.Data.Npy;

namespace Saliency.Notebook.Data.Datasets.Readers;

/// <summary>A labels file: a 1-D .npy of strings or integers (numpy's <c>&lt;U</c>, <c>|O</c> of str, or int arrays), or a text
/// file with one label per line (UTF-8; trailing empty lines are ignored).</summary>
public static class LabelsFile
{
    /// <summary>Reads the labels in file order; errors name the file.</summary>
    public static string[] Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: labels file not found", path);
        if (path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            NpyArray array = NpyReader.Read(path);
            if (array.Rank != 1)
                throw new DatasetException(path, $"expected a 1-D label array, got shape {array.ShapeText}");
            if (array.Data is float[] or double[])
            {
                // pandas writes a missing integer label as NaN in a float column: a missing label, not a class called "NaN".
                double[] values = array.ToDoubleArray();
                int missing = Array.FindIndex(values, v => !double.IsFinite(v));
                if (missing >= 0)
                    throw new DatasetException(path, $"the label of series {missing} is missing ({values[missing].ToString(System.Globalization.CultureInfo.InvariantCulture)})");
            }
            try
            {
                return array.ToStringArray();
            }
            catch (InvalidOperationException e)
            {
                throw new DatasetException(path, $"labels are not strings or integers: {e.Message}", e);
            }
        }
        var lines = File.ReadAllLines(path, Encoding.UTF8).Select(l => l.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines.ToArray();
    }
}
