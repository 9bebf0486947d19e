using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Npy;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Data;

/// <summary>Data of your own in every format reads back equal to the paper's .npy files: the eog (one channel) and symbols (two
/// channels) datasets exported by the tests to CSV (wide and long), .ts and Parquet (wide, long, and the paper's own nested EOG.parquet).</summary>
public class OwnDataFormatTests
{
    private static void AssertSame(TimeSeriesDataset expected, TimeSeriesDataset actual, IReadOnlyList<string> channels)
    {
        Assert.Equal(expected.X.shape, actual.X.shape);
        Assert.True(expected.X.eq(actual.X).all().item<bool>(), "values differ");
        Assert.Equal(expected.Labels, actual.Labels);
        Assert.Equal(expected.ClassNames, actual.ClassNames);
        Assert.Equal(expected.LabelIndex, actual.LabelIndex);
        Assert.Equal(channels, actual.Info.ChannelNames);
    }

    [Fact]
    public async Task Eog_exported_to_csv_ts_and_parquet_reads_back_equal_to_the_npy()
    {
        using var eog = DatasetRegistry.Eog.Load(TestData.DataDirectory);
        using var dir = new TempFolder();

        SeriesExport.WideCsv(eog, dir.File("eog-wide.csv"), (_, t) => t.ToString()); // pandas' default column names 0 … 199
        using (var wide = TimeSeriesFiles.Load(dir.File("eog-wide.csv")))
        {
            AssertSame(eog, wide, ["value"]);
            Assert.Equal("eog-wide", wide.Info.Name);
            Assert.Equal(PlotKind.TimeSeries, wide.Info.PlotKind);
            Assert.Contains("wide CSV", wide.Info.Description);
        }

        SeriesExport.LongCsv(eog, dir.File("eog-long.csv"));
        using (var longCsv = TimeSeriesFiles.Load(dir.File("eog-long.csv"), new DataFileOptions { ChannelNames = ["EOG"] }))
        {
            AssertSame(eog, longCsv, ["EOG"]);
            Assert.Contains("long CSV", longCsv.Info.Description);
        }

        SeriesExport.Ts(eog, dir.File("eog.ts"));
        using (var ts = TimeSeriesFiles.Load(dir.File("eog.ts")))
            AssertSame(eog, ts, ["dim_0"]);

        await SeriesExport.WideParquet(eog, dir.File("eog-wide.parquet"));
        using (var wideParquet = TimeSeriesFiles.Load(dir.File("eog-wide.parquet")))
            AssertSame(eog, wideParquet, ["v"]);

        await SeriesExport.LongParquet(eog, dir.File("eog-long.parquet"));
        using (var longParquet = TimeSeriesFiles.Load(dir.File("eog-long.parquet")))
            AssertSame(eog, longParquet, ["value"]);

        // The paper's own source table: one list column dim_0 per row, the digit in 'target' (found as a label alias).
        using (var nested = TimeSeriesFiles.Load(Path.Combine(TestData.DataDirectory, "eog", "EOG.parquet")))
        {
            AssertSame(eog, nested, ["dim_0"]);
            Assert.Contains("nested Parquet", nested.Info.Description);
        }

        // The .npy itself as a file of your own, with its labels file.
        using (var npy = TimeSeriesFiles.Load(DatasetRegistry.Eog.PositionsPath(TestData.DataDirectory),
                   new DataFileOptions { LabelsPath = DatasetRegistry.Eog.LabelsPath(TestData.DataDirectory) }))
            AssertSame(eog, npy, ["value"]);
    }

    [Fact]
    public void Two_channel_symbols_read_back_from_channel_suffixed_columns_sktime_long_and_multivariate_ts()
    {
        using var symbols = DatasetRegistry.Symbols.Load(TestData.DataDirectory);
        using var dir = new TempFolder();

        SeriesExport.WideCsv(symbols, dir.File("symbols.csv"), (c, t) => $"{(c == 0 ? "x" : "y")}_{t}");
        using (var wide = TimeSeriesFiles.Load(dir.File("symbols.csv")))
        {
            AssertSame(symbols, wide, ["x", "y"]);
            Assert.Equal(PlotKind.Trajectory, wide.Info.PlotKind); // two channels named x, y
            Assert.Equal(("x", "y"), (wide.Info.XAxisTitle, wide.Info.YAxisTitle));
        }

        SeriesExport.SktimeLongCsv(symbols, dir.File("symbols-long.csv"));
        using (var longCsv = TimeSeriesFiles.Load(dir.File("symbols-long.csv")))
            AssertSame(symbols, longCsv, ["x", "y"]);

        SeriesExport.Ts(symbols, dir.File("symbols.ts"));
        using (var ts = TimeSeriesFiles.Load(dir.File("symbols.ts"), new DataFileOptions { ChannelNames = ["x", "y"], Name = "pen" }))
        {
            AssertSame(symbols, ts, ["x", "y"]);
            Assert.Equal("pen", ts.Info.Name);
        }
    }

    [Fact]
    public void Arrays_and_tensors_with_integer_labels_become_datasets_with_named_classes()
    {
        // (N=4, L=3, C=2): value = 100 n + 10 t + c
        var values = new float[4, 3, 2];
        for (int n = 0; n < 4; n++)
            for (int t = 0; t < 3; t++)
                for (int c = 0; c < 2; c++)
                    values[n, t, c] = 100 * n + 10 * t + c;
        int[] labels = [1, 0, 1, 2];
        using var data = TimeSeriesDataset.FromArrays(values, labels, new DatasetDescription { ClassNames = ["walk", "run", "sit"], ChannelNames = ["lon", "lat"] });
        Assert.Equal((4, 2, 3), (data.N, data.C, data.L));
        Assert.Equal(new[] { "run", "walk", "run", "sit" }, data.Labels);
        Assert.Equal(new[] { "walk", "run", "sit" }, data.ClassNames);
        Assert.Equal(PlotKind.Trajectory, data.Info.PlotKind);
        Assert.Equal(321f, data.X[3, 1, 2].item<float>());
        Assert.Throws<InvalidOperationException>(() => data.Info.PositionsPath("."));

        using var nlc = tensor(new float[] { 0, 1, 2, 3, 4, 5 }, [2, 3, 1]);
        using var fromTensor = TimeSeriesDataset.FromTensor(nlc, new[] { 10L, 2L });
        Assert.Equal(new[] { "2", "10" }, fromTensor.ClassNames); // integer labels sort as numbers, as numpy.unique of an int array
        Assert.Equal(new[] { "value" }, fromTensor.Info.ChannelNames);
        Assert.Equal(PlotKind.TimeSeries, fromTensor.Info.PlotKind);
        Assert.Equal(4f, fromTensor.X[1, 0, 1].item<float>());
    }

    [Fact]
    public void A_loaded_file_remembers_how_it_was_read_and_loads_again()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("d.csv"), "kind,a,b,c\nup,1,2,3\ndown,3,2,1\n");
        using var first = TimeSeriesFiles.Load(dir.File("d.csv"), new DataFileOptions { LabelColumn = "kind" });
        Assert.Equal(new[] { "down", "up" }, first.ClassNames);
        using var again = first.Info.Load("ignored");
        Assert.True(first.X.eq(again.X).all().item<bool>());
        Assert.Equal(dir.File("d.csv"), first.Info.PositionsPath("ignored"));
        Assert.Equal(new[] { "value" }, first.Info.ChannelNames); // a, b, c: one channel, steps in column order
        File.WriteAllText(dir.File("t.csv"), "label,t0,t1,t2\nup,1,2,3\n");
        using var steps = TimeSeriesFiles.Load(dir.File("t.csv"));
        Assert.Equal(new[] { "value" }, steps.Info.ChannelNames); // t0 … t2 are time steps, not a channel called t
        File.WriteAllText(dir.File("e.csv"), "label,EOG_0,EOG_1\nup,1,2\n");
        using var named = TimeSeriesFiles.Load(dir.File("e.csv"));
        Assert.Equal(new[] { "EOG" }, named.Info.ChannelNames);
    }
}
