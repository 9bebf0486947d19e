using Saliency.Notebook.Data.Datasets;

namespace Saliency.Notebook.Tests.Data;

public class LabelOrderTests
{
    [Fact]
    public void Integer_labels_sort_as_numpy_unique_sorts_an_int_array()
    {
        var expected = PythonReference.Run("out = [str(v) for v in np.unique(np.array(inp['labels'], dtype=np.int64))]",
            new { labels = new long[] { 10, 2, -3, 2, 0, 11, 1, -3 } }).EnumerateArray().Select(v => v.GetString()!).ToArray();

        Assert.Equal(["-3", "0", "1", "2", "10", "11"], expected);
        Assert.Equal(expected, LabelOrder.Distinct(["10", "2", "-3", "2", "0", "11", "1", "-3"]));
    }

    [Fact]
    public void Any_other_labels_sort_as_numpy_unique_sorts_a_string_array()
    {
        string[] labels = ["b", "10", "a", "2", "\\Omega", "(", ")", "B", "2"];
        var expected = PythonReference.Run("out = [str(v) for v in np.unique(np.array(inp['labels']))]", new { labels })
            .EnumerateArray().Select(v => v.GetString()!).ToArray();

        Assert.Equal(expected, LabelOrder.Distinct(labels));
        Assert.Equal(["10", "2", "2.5"], LabelOrder.Distinct(["2.5", "10", "2"]));   // not all integers: ordinal
    }
}
