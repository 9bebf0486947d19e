using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Npy;

namespace Saliency.Notebook.Tests.Data;

public class DatasetErrorTests
{
    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void NonFiniteValuesAreRefusedNamingTheFile(float bad)
    {
        using var dir = new TempFolder();
        var values = new float[3 * 60 * 2];
        values[(1 * 60 + 7) * 2 + 1] = bad;
        string positions = dir.File("symbols/augmented_symbols.npy");
        NpyWriter.Write(positions, values, 3, 60, 2);
        dir.Write("symbols/augmented_labels.npy", NpyBytes.Build(NpyBytes.Dict("<U1", "(3,)"), NpyBytes.Utf32(["(", ")", "("], 1)));

        var e = Assert.Throws<DatasetException>(() => DatasetRegistry.Symbols.Load(dir.Path));
        Assert.Contains(positions, e.Message);
        Assert.Contains("non-finite", e.Message);
        Assert.Contains("sample 1, step 7, channel 1", e.Message);
    }

    [Fact]
    public void LabelCountMustMatchTheSamples()
    {
        using var dir = new TempFolder();
        NpyWriter.Write(dir.File("eog/time_series_positions.npy"), new double[4 * 200], 4, 200, 1);
        string labels = dir.Write("eog/time_series_labels.npy", NpyBytes.Build(NpyBytes.Dict("<U1", "(3,)"), NpyBytes.Utf32(["3", "6", "7"], 1)));

        var e = Assert.Throws<DatasetException>(() => DatasetRegistry.Eog.Load(dir.Path));
        Assert.StartsWith(labels, e.Message);
        Assert.Contains("3 labels", e.Message);
        Assert.Contains("4 samples", e.Message);
    }

    [Fact]
    public void MissingFilesSayHowToFetch()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<FileNotFoundException>(() => DatasetRegistry.Aircraft.Load(dir.Path));
        Assert.Contains(Path.Combine(dir.Path, "aircraft", "positions.npy"), e.Message);
        Assert.Contains("./saliency data fetch", e.Message);
    }

    [Fact]
    public void SmallValidDatasetLoadsWithSwappedAxesAndSortedClasses()
    {
        using var dir = new TempFolder();
        // (N=3, L=2, C=2), value = 10 n + 2 l + c
        float[] values = Enumerable.Range(0, 12).Select(i => (float)(10 * (i / 4) + i % 4)).ToArray();
        NpyWriter.Write(dir.File("aircraft/positions.npy"), values, 3, 2, 2);
        dir.Write("aircraft/labels.npy", NpyBytes.Build(NpyBytes.Dict("<U5", "(3,)"), NpyBytes.Utf32(["West", "East", "West"], 5)));
        using TimeSeriesDataset d = DatasetRegistry.Aircraft.Load(dir.Path);
        Assert.Equal((3, 2, 2), (d.N, d.C, d.L));
        Assert.Equal(new[] { "East", "West" }, d.ClassNames);
        Assert.Equal(new[] { 1, 0, 1 }, d.LabelIndex);
        Assert.Equal(23f, d.X[2, 1, 1].item<float>());
        Assert.Equal(21f, d.X[2, 1, 0].item<float>());
        Assert.Equal(3, d.Summary().Rows.Count);
    }

    [Fact]
    public void RegistryNamesAndMetadata()
    {
        Assert.Equal(new[] { "symbols", "eog", "aircraft", "aircraft-flyover" }, DatasetRegistry.All.Select(d => d.Name));
        Assert.Same(DatasetRegistry.AircraftFlyover, DatasetRegistry.Get("Aircraft_Flyover"));
        Assert.Contains("known: symbols", Assert.Throws<ArgumentException>(() => DatasetRegistry.Get("mnist")).Message);
        Assert.Equal(PlotKind.TimeSeries, DatasetRegistry.Eog.PlotKind);
        Assert.Equal("#009E73", DatasetRegistry.Eog.LabelColors["3"]);
        Assert.Equal("#000000", DatasetRegistry.AircraftFlyover.LabelColors["Flyover"]);
        Assert.True(DatasetRegistry.Symbols.InvertYAxis);
        foreach (DatasetInfo info in DatasetRegistry.All)
        {
            Assert.Equal(info.ClassNames.Order(StringComparer.Ordinal), info.ClassNames);
            Assert.All(info.ClassNames, c => Assert.True(info.LabelColors.ContainsKey(c)));
        }
    }
}
