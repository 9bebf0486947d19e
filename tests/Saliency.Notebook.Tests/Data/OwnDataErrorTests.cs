using Parquet;
using Parquet.Schema;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Npy;

namespace Saliency.Notebook.Tests.Data;

/// <summary>Bad files of your own are refused with an error that names the file and the row (line) or column, before anything is built.</summary>
public class OwnDataErrorTests
{
    private static DatasetException Refused(string path, DataFileOptions? options = null)
    {
        var e = Assert.Throws<DatasetException>(() => TimeSeriesFiles.Load(path, options));
        Assert.StartsWith(Path.GetFullPath(path), e.Message);
        return e;
    }

    private static string Csv(TempFolder dir, string text, string name = "d.csv")
    {
        File.WriteAllText(dir.File(name), text);
        return dir.File(name);
    }

    [Fact]
    public void Csv_nan_inf_non_numeric_and_missing_cells_name_the_line_and_column()
    {
        using var dir = new TempFolder();
        Assert.Contains("line 3, column 't1': non-finite value NaN", Refused(Csv(dir, "label,t0,t1\na,1,2\nb,3,NaN\n")).Message);
        Assert.Contains("line 2, column 't0': non-finite value ∞", Refused(Csv(dir, "label,t0,t1\na,Infinity,2\n")).Message.Replace("Infinity", "∞"));
        Assert.Contains("line 2, column 't1': '2,5' is not a number", Refused(Csv(dir, "label,t0,t1\na,1,\"2,5\"\n")).Message);
        Assert.Contains("line 4, column 't0': missing value", Refused(Csv(dir, "label,t0,t1\na,1,2\nb,1,2\nc,,2\n")).Message);
    }

    [Fact]
    public void Ragged_rows_and_series_are_refused()
    {
        using var dir = new TempFolder();
        Assert.Contains("line 3: ragged row: 4 fields but the header has 3", Refused(Csv(dir, "label,t0,t1\na,1,2\nb,1,2,3\n")).Message);
        var columns = Refused(Csv(dir, "label,x_0,x_1,x_2,y_0,y_1\na,1,2,3,4,5\n")).Message;
        Assert.Contains("ragged columns: channel 'x' has 3 steps and channel 'y' has 2", columns);
        var series = Refused(Csv(dir, "series,time,value,label\n1,0,1.5,a\n1,1,2.5,a\n2,0,1.5,b\n")).Message;
        Assert.Contains("series '2' (first on line 4) has 1 time steps of channel 'value' but series '1' has 2", series);
        Assert.Contains("line 3: series '1' has time 0 twice (also on line 2)",
            Refused(Csv(dir, "series,time,value,label\n1,0,1,a\n1,0,2,a\n")).Message);
        Assert.Contains("line 3, column 'label': series '1' is labelled 'a' on line 2 and 'b' here",
            Refused(Csv(dir, "series,time,value,label\n1,0,1,a\n1,1,2,b\n")).Message);
        Assert.Contains("column 't5' follows 't1', but 't1' follows 't0': the step columns must be evenly spaced",
            Refused(Csv(dir, "label,t0,t1,t5\na,1,2,3\n")).Message);
        using (var strided = TimeSeriesFiles.Load(Csv(dir, "label,t0,t10,t20\na,1,2,3\nb,4,5,6\n"))) Assert.Equal(3, strided.L);
        Assert.Contains("line 3: series '1' has channel 'y' at time 1.5 where channel 'x' has time 1; the channels of a series need the same time stamps",
            Refused(Csv(dir, "series,time,channel,value,label\n1,0,x,1,a\n1,1.5,y,2,a\n1,1,x,3,a\n1,0,y,4,a\n")).Message);
    }

    [Fact]
    public void Labels_must_exist_match_the_series_count_and_fill_every_class()
    {
        using var dir = new TempFolder();
        Assert.Contains("no label column", Refused(Csv(dir, "kind,t0\na,1\n")).Message);
        Assert.Contains("the label of series 1 is empty", Refused(Csv(dir, "label,t0\na,1\n,2\n")).Message);
        Assert.Contains("class 'c' has no series (an empty class)",
            Refused(Csv(dir, "label,t0\na,1\nb,2\n"), new DataFileOptions { ClassNames = ["a", "b", "c"] }).Message);
        Assert.Contains("series 1 is labelled 'z', which is not one of the classes a, b",
            Refused(Csv(dir, "label,t0\na,1\nz,2\n"), new DataFileOptions { ClassNames = ["a", "b"] }).Message);

        NpyWriter.Write(dir.File("x.npy"), new float[3 * 5 * 2], 3, 5, 2);
        NpyWriter.Write(dir.File("y.npy"), new long[] { 0, 1 }, 2);
        var count = Assert.Throws<DatasetException>(() => TimeSeriesFiles.Load(dir.File("x.npy"), new DataFileOptions { LabelsPath = dir.File("y.npy") }));
        Assert.StartsWith(dir.File("y.npy"), count.Message);
        Assert.Contains($"has 2 labels but {dir.File("x.npy")} has 3 samples", count.Message);
        Assert.Contains("holds no labels", Refused(dir.File("x.npy")).Message);

        File.WriteAllLines(dir.File("y.txt"), ["a", "b", "a"]);
        using var ok = TimeSeriesFiles.Load(dir.File("x.npy"), new DataFileOptions { LabelsPath = dir.File("y.txt") });
        Assert.Equal(new[] { "ch0", "ch1" }, ok.Info.ChannelNames);
    }

    [Fact]
    public void Npy_values_that_are_not_finite_name_sample_step_and_channel()
    {
        using var dir = new TempFolder();
        var values = new float[3 * 5 * 2];
        values[(2 * 5 + 4) * 2 + 1] = float.NaN;
        NpyWriter.Write(dir.File("x.npy"), values, 3, 5, 2);
        File.WriteAllLines(dir.File("y.txt"), ["a", "b", "a"]);
        Assert.Contains("at sample 2, step 4, channel 1", Refused(dir.File("x.npy"), new DataFileOptions { LabelsPath = dir.File("y.txt") }).Message);
        var arrays = Assert.Throws<DatasetException>(() => TimeSeriesDataset.FromArrays(new double[,,] { { { 1 }, { double.PositiveInfinity } } }, new[] { "a" }));
        Assert.Contains("sample 0, step 1, channel 0", arrays.Message);
    }

    [Fact]
    public void Ts_files_with_unequal_lengths_missing_values_or_bad_numbers_are_refused()
    {
        using var dir = new TempFolder();
        const string header = "@problemName p\n@timeStamps false\n@univariate true\n@classLabel true a b\n@data\n";
        var unequal = Refused(Csv(dir, header + "1,2,3:a\n1,2:b\n", "u.ts")).Message;
        Assert.Contains("line 7, dimension 0: 2 values but the first series has 3; unequal-length series are not supported", unequal);
        Assert.Contains("unequal-length series (@equalLength false) are not supported",
            Refused(Csv(dir, "@equalLength false\n" + header + "1,2:a\n", "e.ts")).Message);
        Assert.Contains("line 7, dimension 0, step 1: missing value '?'", Refused(Csv(dir, header + "1,2:a\n1,?:b\n", "m.ts")).Message);
        Assert.Contains("line 6, dimension 0, step 0: 'x' is not a number", Refused(Csv(dir, header + "x,2:a\n1,2:b\n", "n.ts")).Message);
        Assert.Contains("line 6, dimension 0, step 1: non-finite value NaN", Refused(Csv(dir, header + "1,NaN:a\n1,2:b\n", "f.ts")).Message);
        Assert.Contains("class 'b' has no series (an empty class)", Refused(Csv(dir, header + "1,2:a\n", "c.ts")).Message);
    }

    [Fact]
    public async Task Parquet_cells_that_are_missing_not_finite_or_not_numbers_name_the_row_and_column()
    {
        using var dir = new TempFolder();
        var label = new DataField<string>("label");
        var v0 = new DataField<double>("v_0");
        var v1 = new DataField<string>("v_1");
        string path = dir.File("bad.parquet");
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(label, v0, v1), stream))
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync(label, new[] { "a", "b", "a" }, null);
            await group.WriteAsync(v0, new ReadOnlyMemory<double>([1, double.NaN, 3]), null, null, default);
            await group.WriteAsync(v1, new[] { "1", "2", "x" }, null);
        }
        var nan = Refused(path).Message;
        Assert.True(nan.Contains("row 1, column 'v_0': non-finite value NaN"), nan);

        string text = dir.File("text.parquet");
        await using (var stream = File.Create(text))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(label, v1), stream))
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync(label, new[] { "a", "b", "a" }, null);
            await group.WriteAsync(v1, new[] { "1", "2", "x" }, null);
        }
        Assert.Contains("row 2, column 'v_1': 'x' is not a number", Refused(text).Message);
    }

    [Fact]
    public async Task A_missing_numeric_label_is_refused_not_taken_for_a_class_called_NaN()
    {
        // pandas turns an integer label column with a missing value into float64 with NaN; np.save and to_parquet keep it so.
        using var dir = new TempFolder();
        NpyWriter.Write(dir.File("x.npy"), new float[3 * 5], 3, 5);
        NpyWriter.Write(dir.File("y.npy"), new[] { 0.0, double.NaN, 1.0 }, 3);
        var npy = Assert.Throws<DatasetException>(() => TimeSeriesFiles.Load(dir.File("x.npy"), new DataFileOptions { LabelsPath = dir.File("y.npy") }));
        Assert.StartsWith(dir.File("y.npy"), npy.Message);
        Assert.Contains("the label of series 1 is missing (NaN)", npy.Message);
        var chunked = Assert.Throws<DatasetException>(() => ChunkedSeries.FromNpy(dir.File("x.npy"), dir.File("y.npy")));
        Assert.Contains("the label of series 1 is missing (NaN)", chunked.Message);

        var label = new DataField<double>("label");
        var v0 = new DataField<double>("v_0");
        string path = dir.File("labels.parquet");
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(label, v0), stream))
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync(label, new ReadOnlyMemory<double>([0, 1, double.NaN]), null, null, default);
            await group.WriteAsync(v0, new ReadOnlyMemory<double>([1, 2, 3]), null, null, default);
        }
        Assert.Contains("row 2, column 'label': missing value (NaN)", Refused(path).Message);
    }

    [Fact]
    public void A_chunked_npy_refuses_blank_labels_and_series_too_long_to_index()
    {
        using var dir = new TempFolder();
        NpyWriter.Write(dir.File("x.npy"), new float[3 * 5], 3, 5);
        File.WriteAllLines(dir.File("y.txt"), ["a", " ", "b"]);
        Assert.Contains("the label of series 1 is empty", Assert.Throws<DatasetException>(() => ChunkedSeries.FromNpy(dir.File("x.npy"), dir.File("y.txt"))).Message);

        // A header-only file announcing (1, 3e9): refused from its header, before anything is read.
        string huge = dir.Write("huge.npy", NpyBytes.Build(NpyBytes.Dict("<f4", "(1, 3000000000)"), []));
        File.WriteAllLines(dir.File("one.txt"), ["a"]);
        var error = Assert.Throws<DatasetException>(() => ChunkedSeries.FromNpy(huge, dir.File("one.txt")));
        Assert.Contains("(1, 3000000000)", error.Message);
        Assert.Contains("at most 2147483647", error.Message);
    }

    [Fact]
    public void Options_that_contradict_the_data_are_argument_errors()
    {
        using var dir = new TempFolder();
        string csv = Csv(dir, "label,t0,t1\na,1,2\nb,3,4\n");
        Assert.Contains("2 channel name(s) given", Assert.Throws<ArgumentException>(() => TimeSeriesFiles.Load(csv, new DataFileOptions { ChannelNames = ["a", "b"] })).Message);
        Assert.Contains("a trajectory plot needs two channels", Assert.Throws<ArgumentException>(() => TimeSeriesFiles.Load(csv, new DataFileOptions { PlotKind = PlotKind.Trajectory })).Message);
        Assert.Contains("no column 'kind' (label column)", Assert.Throws<DatasetException>(() => TimeSeriesFiles.Load(csv, new DataFileOptions { LabelColumn = "kind" })).Message);
        Assert.Contains("cannot tell the format", Assert.Throws<ArgumentException>(() => TimeSeriesFiles.Load(Csv(dir, "x", "d.xlsx"))).Message);
    }
}
