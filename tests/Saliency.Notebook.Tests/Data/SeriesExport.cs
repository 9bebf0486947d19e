using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;
using Saliency.Notebook.Data.Datasets;

namespace Saliency.Notebook.Tests.Data;

/// <summary>Writes a loaded dataset in the formats a researcher brings (CSV wide and long, .ts, Parquet wide and long), as pandas,
/// aeon and pyarrow lay them out, for the reader tests. Values are written in round-trip form, so they read back exactly.</summary>
internal static class SeriesExport
{
    private static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Value of sample n, step t, channel c (the dataset holds (N, C, L)).</summary>
    public static float[,,] Values(TimeSeriesDataset data)
    {
        float[] flat = data.X.data<float>().ToArray();
        var values = new float[data.N, data.L, data.C];
        for (int n = 0; n < data.N; n++)
            for (int c = 0; c < data.C; c++)
                for (int t = 0; t < data.L; t++)
                    values[n, t, c] = flat[(n * data.C + c) * data.L + t];
        return values;
    }

    /// <summary>One row per series: <c>series,label,</c> then <paramref name="column"/>(channel, step) for every channel and step.</summary>
    public static void WideCsv(TimeSeriesDataset data, string path, Func<int, int, string> column)
    {
        float[,,] v = Values(data);
        var text = new StringBuilder("series,label");
        for (int c = 0; c < data.C; c++)
            for (int t = 0; t < data.L; t++)
                text.Append(',').Append(column(c, t));
        text.Append('\n');
        for (int n = 0; n < data.N; n++)
        {
            text.Append(n).Append(',').Append(Quote(data.Labels[n]));
            for (int c = 0; c < data.C; c++)
                for (int t = 0; t < data.L; t++)
                    text.Append(',').Append(F(v[n, t, c]));
            text.Append('\n');
        }
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>One row per (series, step), steps written last to first (the reader sorts by time): <c>series,time,label,</c> then one column per channel.</summary>
    public static void LongCsv(TimeSeriesDataset data, string path)
    {
        float[,,] v = Values(data);
        var text = new StringBuilder("series,time,label," + string.Join(",", data.Info.ChannelNames) + "\n");
        for (int n = 0; n < data.N; n++)
            for (int t = data.L - 1; t >= 0; t--)
            {
                text.Append("s").Append(n).Append(',').Append(t).Append(',').Append(Quote(data.Labels[n]));
                for (int c = 0; c < data.C; c++) text.Append(',').Append(F(v[n, t, c]));
                text.Append('\n');
            }
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>sktime's long layout: <c>case_id,dim_id,reading_id,value,class</c>, one row per (series, channel, step).</summary>
    public static void SktimeLongCsv(TimeSeriesDataset data, string path)
    {
        float[,,] v = Values(data);
        var text = new StringBuilder("case_id,dim_id,reading_id,value,class\n");
        for (int n = 0; n < data.N; n++)
            for (int c = 0; c < data.C; c++)
                for (int t = 0; t < data.L; t++)
                    text.Append(n).Append(',').Append(data.Info.ChannelNames[c]).Append(',').Append(t).Append(',').Append(F(v[n, t, c]))
                        .Append(',').Append(Quote(data.Labels[n])).Append('\n');
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>The UCR/UEA .ts format as aeon's <c>write_to_tsfile</c> writes it.</summary>
    public static void Ts(TimeSeriesDataset data, string path)
    {
        float[,,] v = Values(data);
        var text = new StringBuilder("# written by the kit's tests\n@problemName test\n@timeStamps false\n@missing false\n");
        text.Append("@univariate ").Append(data.C == 1 ? "true" : "false").Append('\n');
        if (data.C > 1) text.Append("@dimensions ").Append(data.C).Append('\n');
        text.Append("@equalLength true\n@seriesLength ").Append(data.L).Append('\n');
        text.Append("@classLabel true ").Append(string.Join(' ', data.ClassNames)).Append("\n@data\n");
        for (int n = 0; n < data.N; n++)
        {
            for (int c = 0; c < data.C; c++)
                text.Append(string.Join(',', Enumerable.Range(0, data.L).Select(t => F(v[n, t, c])))).Append(':');
            text.Append(data.Labels[n]).Append('\n');
        }
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>One row per series: a string <c>label</c> column and double columns <c>v_0 … v_{L-1}</c> (one channel).</summary>
    public static async Task WideParquet(TimeSeriesDataset data, string path)
    {
        float[,,] v = Values(data);
        var label = new DataField<string>("label");
        var steps = Enumerable.Range(0, data.L).Select(t => new DataField<double>($"v_{t}")).ToArray();
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(steps.Prepend<Field>(label).ToArray()), stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(label, data.Labels, null);
        for (int t = 0; t < data.L; t++)
        {
            double[] column = Enumerable.Range(0, data.N).Select(n => (double)v[n, t, 0]).ToArray();
            await group.WriteAsync(steps[t], new ReadOnlyMemory<double>(column), null, null, default);
        }
    }

    /// <summary>One row per (series, step): int64 <c>series</c>, int32 <c>time</c>, double <c>value</c>, string <c>label</c> (one channel).</summary>
    public static async Task LongParquet(TimeSeriesDataset data, string path)
    {
        float[,,] v = Values(data);
        var series = new DataField<long>("series");
        var time = new DataField<int>("time");
        var value = new DataField<double>("value");
        var label = new DataField<string>("label");
        int rows = data.N * data.L;
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(series, time, value, label), stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(series, new ReadOnlyMemory<long>(Enumerable.Range(0, rows).Select(i => (long)(i / data.L)).ToArray()), null, null, default);
        await group.WriteAsync(time, new ReadOnlyMemory<int>(Enumerable.Range(0, rows).Select(i => i % data.L).ToArray()), null, null, default);
        await group.WriteAsync(value, new ReadOnlyMemory<double>(Enumerable.Range(0, rows).Select(i => (double)v[i / data.L, i % data.L, 0]).ToArray()), null, null, default);
        await group.WriteAsync(label, Enumerable.Range(0, rows).Select(i => data.Labels[i / data.L]).ToArray(), null);
    }

    private static string Quote(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
