using Microsoft.Data.Analysis;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Npy;
using TorchSharp;

namespace Saliency.Notebook.Tests.Data;

/// <summary>The paper's data as §1 of the method notes describes it: shapes, label counts, value ranges, and the EOG parquet oracle.</summary>
public class RealDataTests
{
    [Fact]
    public void Symbols()
    {
        using TimeSeriesDataset d = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        Assert.Equal(new long[] { 1100, 2, 60 }, d.X.shape);
        Assert.Equal(torch.ScalarType.Float32, d.X.dtype);
        Assert.Equal(new[] { "(", ")", "\\Omega" }, d.ClassNames);
        Assert.Equal(new long[] { 374, 396, 330 }, d.ClassCounts);
        AssertRange(d, 0, -0.1226, 1.2146, 0.509);
        AssertRange(d, 1, -0.1158, 1.1661, 0.517);
        Assert.Equal(DatasetRegistry.Symbols.ClassNames, d.ClassNames);
        // rows 0-99: 34 '(', 36 ')', 30 '\Omega' in label blocks
        Assert.Equal(34, d.Labels.Take(100).Count(l => l == "("));
        Assert.Equal("\\Omega", d.Labels[99]);
    }

    [Fact]
    public void Eog()
    {
        using TimeSeriesDataset d = DatasetRegistry.Load("eog", TestData.DataDirectory);
        Assert.Equal(new long[] { 990, 1, 200 }, d.X.shape);
        Assert.Equal(new[] { "3", "6", "7" }, d.ClassNames);
        Assert.Equal(new long[] { 330, 330, 330 }, d.ClassCounts);
        AssertRange(d, 0, -0.29418, 0.70383, 0.313);
    }

    [Fact]
    public void Aircraft()
    {
        using TimeSeriesDataset d = DatasetRegistry.Load("aircraft", TestData.DataDirectory);
        Assert.Equal(new long[] { 900, 2, 200 }, d.X.shape);
        Assert.Equal(new[] { "East", "South", "West" }, d.ClassNames);
        Assert.Equal(new long[] { 300, 300, 300 }, d.ClassCounts);
        AssertRange(d, 0, -1, 1, -0.092);
        AssertRange(d, 1, -1, 1, 0.587);
        Assert.Equal("<U5", NpyReader.ReadHeader(DatasetRegistry.Aircraft.LabelsPath(TestData.DataDirectory)).DType.Descr);
    }

    [Fact]
    public void AircraftFlyover()
    {
        using TimeSeriesDataset d = DatasetRegistry.Load("aircraft_flyover", TestData.DataDirectory);
        Assert.Equal(new long[] { 1183, 2, 200 }, d.X.shape);
        Assert.Equal(new[] { "East", "Flyover", "South", "West" }, d.ClassNames);
        Assert.Equal(new long[] { 300, 283, 300, 300 }, d.ClassCounts);
        Assert.All(d.Labels.Take(283), l => Assert.Equal("Flyover", l));
        AssertRange(d, 0, -1, 1, null);
        AssertRange(d, 1, -1, 1, null);

        NpyArray intLabels = NpyReader.Read(Path.Combine(TestData.DataDirectory, "aircraft_flyover", "labels.npy"));
        Assert.Equal("|i1", intLabels.Descr);
        Assert.Equal(new[] { (0L, 300), (2L, 300), (3L, 300), (4L, 300) },
            intLabels.ToInt64Array().GroupBy(v => v).OrderBy(g => g.Key).Select(g => (g.Key, g.Count())));
    }

    [Fact]
    public void XIsTheFileWithAxesOneAndTwoSwapped()
    {
        NpyArray raw = NpyReader.Read(DatasetRegistry.Symbols.PositionsPath(TestData.DataDirectory));
        Assert.Equal("<f8", raw.Descr);
        Assert.Equal(new long[] { 1100, 60, 2 }, raw.Shape);
        var values = (double[])raw.Data;
        using TimeSeriesDataset d = DatasetRegistry.Symbols.Load(TestData.DataDirectory);
        foreach ((int n, int t, int c) in new[] { (0, 0, 0), (0, 59, 1), (517, 13, 1), (1099, 42, 0) })
            Assert.Equal((float)values[(n * 60 + t) * 2 + c], d.X[n, c, t].item<float>());
    }

    [Fact]
    public void TheWriterWritesTheSameHeaderAsNumpy()
    {
        string path = DatasetRegistry.Symbols.PositionsPath(TestData.DataDirectory);
        byte[] numpyHeader = File.ReadAllBytes(path)[..128];
        byte[] ours = NpyWriter.ToBytes(NpyKind.Float64, new byte[1100 * 60 * 2 * 8], 1100, 60, 2)[..128];
        Assert.Equal(numpyHeader, ours);
    }

    [Fact]
    public void ObjectLabelFilesReadAsStrings()
    {
        NpyArray labels = NpyReader.Read(Path.Combine(TestData.DataDirectory, "eog", "time_series_labels.npy"));
        Assert.Equal("|O", labels.Descr);
        Assert.Equal(new long[] { 990 }, labels.Shape);
        Assert.Equal(new[] { "3", "6", "7" }, labels.ToStringArray().Take(90).Distinct());
        Assert.Equal(Enumerable.Repeat("3", 10), labels.ToStringArray().Take(10));
    }

    [Fact]
    public void SummaryHasOneRowPerLabelAndAnOverallRow()
    {
        using TimeSeriesDataset d = DatasetRegistry.Symbols.Load(TestData.DataDirectory);
        DataFrame summary = d.Summary();
        Assert.Equal(4, summary.Rows.Count);
        Assert.Equal(new[] { "label", "count", "x mean", "x min", "x max", "y mean", "y min", "y max" }, summary.Columns.Select(c => c.Name));
        Assert.Equal(new object[] { "(", ")", "\\Omega", "(all)" }, summary["label"].Cast<object>());
        Assert.Equal(new object[] { 374L, 396L, 330L, 1100L }, summary["count"].Cast<object>());
        Assert.Equal(-0.1226, Math.Round((double)summary["x min"][3]!, 4));
        double perClassMin = Enumerable.Range(0, 3).Min(r => (double)summary["x min"][r]!);
        Assert.Equal((double)summary["x min"][3]!, perClassMin);
    }

    [Fact]
    public void EogParquetMatchesTheNpyFiles()
    {
        EogParquetTable table = EogParquetTable.Read(Path.Combine(TestData.DataDirectory, "eog", "EOG.parquet"));
        Assert.Equal(990, table.Count);
        Assert.Equal(200, table.Length);
        NpyArray positions = NpyReader.Read(DatasetRegistry.Eog.PositionsPath(TestData.DataDirectory));
        Assert.Equal((double[])positions.Data, table.Values);
        NpyArray labels = NpyReader.Read(DatasetRegistry.Eog.LabelsPath(TestData.DataDirectory));
        Assert.Equal(labels.ToStringArray(), table.Targets);
        Assert.NotNull(table.Splits);
        Assert.Equal(new[] { "augmented", "train" }, table.Splits!.Distinct().Order(StringComparer.Ordinal));
    }

    private static void AssertRange(TimeSeriesDataset d, int channel, double min, double max, double? mean)
    {
        (double lo, double avg, double hi) = d.ChannelRange(channel);
        Assert.Equal(min, Math.Round(lo, 4), 4);
        Assert.Equal(max, Math.Round(hi, 4), 4);
        if (mean is { } m) Assert.Equal(m, Math.Round(avg, 3), 3);
        using torch.Tensor ch = d.X[.., channel, ..];
        Assert.Equal(lo, ch.min().item<float>());
        Assert.Equal(hi, ch.max().item<float>());
    }
}
