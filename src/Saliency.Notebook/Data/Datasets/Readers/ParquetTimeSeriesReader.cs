using System.Numerics;
using Parquet;
using Parquet.Schema;

namespace Saliency.Notebook.Data.Datasets.Readers;

/// <summary>
/// A Parquet file (read with Parquet.Net). Two shapes: <b>nested</b>, one row per series with one list column per channel (what
/// pandas writes for sktime/aeon's nested frames, e.g. the paper's <c>eog/EOG.parquet</c>: <c>dim_0</c> and <c>target</c>), and
/// <b>flat</b>, numeric and string columns in the wide or the long layout of <see cref="TabularSeries"/>. Errors name the row
/// (0-based, across row groups) and the column.
/// </summary>
public sealed class ParquetTimeSeriesReader : ITimeSeriesReader
{
    /// <inheritdoc/>
    public string Format => "parquet";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".parquet", ".pq"];

    /// <inheritdoc/>
    public SeriesArrays Read(string path, DataFileOptions options) => ReadAsync(path, options).GetAwaiter().GetResult();

    private static async Task<SeriesArrays> ReadAsync(string path, DataFileOptions options)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        await using ParquetReader reader = await ParquetReader.CreateAsync(path);
        DataField[] fields = reader.Schema.GetDataFields();
        DataField[] lists = fields.Where(f => f.MaxRepetitionLevel > 0).ToArray();
        DataField[] scalars = fields.Where(f => f.MaxRepetitionLevel == 0).ToArray();
        int rows = checked((int)Enumerable.Range(0, reader.RowGroupCount).Sum(g => { using var group = reader.OpenRowGroupReader(g); return group.RowCount; }));
        var columns = new List<TableColumn>();
        foreach (DataField field in scalars) columns.Add(await ReadScalarColumn(reader, field, rows, path));
        var table = new Table(path, columns, rows, r => $"row {r}");
        if (lists.Length == 0) return TabularSeries.Read(table, options, "Parquet");
        return await ReadNested(reader, lists, table, options, path);
    }

    /// <summary>One row per series, one list column per channel; every list of every row has the same length.</summary>
    private static async Task<SeriesArrays> ReadNested(ParquetReader reader, DataField[] lists, Table table, DataFileOptions options, string path)
    {
        if (table.RowCount == 0) throw new DatasetException(path, "no data rows");
        TableColumn? label = table.Choose(options.LabelColumn, "label column", options.LabelsPath is null ? TabularSeries.LabelAliases : []);
        if (options.LabelsPath is not null && options.LabelColumn is not null)
            throw new ArgumentException($"{path}: give a label column or a labels file, not both.");
        if (label is null && options.LabelsPath is null)
            throw new DatasetException(path, $"no label column (tried {string.Join(", ", TabularSeries.LabelAliases)}); name it (--label-column) or give a labels file (--labels); the columns are {table.ColumnList()}");

        int n = table.RowCount, c = lists.Length, length = -1;
        var channels = new double[c][];
        for (int ch = 0; ch < c; ch++)
        {
            var (values, lengths) = await ReadListColumn(reader, lists[ch], path);
            for (int row = 0; row < n; row++)
            {
                if (length < 0) length = lengths[row];
                if (lengths[row] != length)
                    throw new DatasetException(path, $"row {row}, column '{lists[ch].Path.FirstPart}': ragged row: a list of {lengths[row]} values, but row 0 of '{lists[0].Path.FirstPart}' has {length}");
            }
            channels[ch] = values;
        }
        if (length == 0) throw new DatasetException(path, $"column '{lists[0].Path.FirstPart}' holds empty lists");
        var result = new float[checked(n * length * c)];
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < channels[ch].Length; i++)
            {
                double v = channels[ch][i];
                if (!double.IsFinite(v))
                    throw new DatasetException(path, $"row {i / length}, column '{lists[ch].Path.FirstPart}': non-finite value {v} (NaN or Inf) at step {i % length}");
                result[i * c + ch] = (float)v;
            }
        string[]? labels = label is null ? null : Enumerable.Range(0, n).Select(r => label.Text(table, r)).ToArray();
        return new SeriesArrays(result, n, length, c, labels, lists.Select(f => f.Path.FirstPart!).ToArray(), null, $"nested Parquet, {c} list column(s)");
    }

    private static async Task<TableColumn> ReadScalarColumn(ParquetReader reader, DataField field, int rows, string path)
    {
        string name = field.Path.FirstPart!;
        if (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>))
        {
            var texts = new string?[rows];
            int offset = 0;
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using ParquetRowGroupReader group = reader.OpenRowGroupReader(g);
                int count = checked((int)group.RowCount);
                await group.ReadAsync(field, texts.AsMemory(offset, count), null);
                offset += count;
            }
            int missing = Array.IndexOf(texts, null);
            if (missing >= 0) throw new DatasetException(path, $"row {missing}, column '{name}': missing value");
            return TableColumn.OfText(name, texts!);
        }
        double?[] numbers = field.ClrType switch
        {
            var t when t == typeof(double) => await ReadNumbers<double>(reader, field, rows),
            var t when t == typeof(float) => await ReadNumbers<float>(reader, field, rows),
            var t when t == typeof(long) => await ReadNumbers<long>(reader, field, rows),
            var t when t == typeof(int) => await ReadNumbers<int>(reader, field, rows),
            var t when t == typeof(short) => await ReadNumbers<short>(reader, field, rows),
            var t when t == typeof(sbyte) => await ReadNumbers<sbyte>(reader, field, rows),
            var t when t == typeof(byte) => await ReadNumbers<byte>(reader, field, rows),
            var t when t == typeof(ushort) => await ReadNumbers<ushort>(reader, field, rows),
            var t when t == typeof(uint) => await ReadNumbers<uint>(reader, field, rows),
            var t when t == typeof(ulong) => await ReadNumbers<ulong>(reader, field, rows),
            var t => throw new DatasetException(path, $"column '{name}' has type {t.Name}; expected numbers or strings"),
        };
        return TableColumn.OfNumbers(name, numbers);
    }

    private static async Task<double?[]> ReadNumbers<T>(ParquetReader reader, DataField field, int rows) where T : struct, INumberBase<T>
    {
        var result = new double?[rows];
        int offset = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using ParquetRowGroupReader group = reader.OpenRowGroupReader(g);
            int count = checked((int)group.RowCount);
            if (field.IsNullable)
            {
                var buffer = new T?[count];
                await group.ReadAsync<T>(field, buffer.AsMemory(), null);
                for (int i = 0; i < count; i++) result[offset + i] = buffer[i] is { } v ? double.CreateTruncating(v) : null;
            }
            else
            {
                var buffer = new T[count];
                await group.ReadAsync<T>(field, buffer.AsMemory(), null);
                for (int i = 0; i < count; i++) result[offset + i] = double.CreateTruncating(buffer[i]);
            }
            offset += count;
        }
        return result;
    }

    /// <summary>All values of a list column, row after row, and each row's list length; a null element or list is an error naming the row.</summary>
    private static async Task<(double[] Values, int[] Lengths)> ReadListColumn(ParquetReader reader, DataField field, string path)
    {
        string name = field.Path.FirstPart!;
        if (field.ClrType != typeof(double) && field.ClrType != typeof(float))
            throw new DatasetException(path, $"list column '{name}' holds {field.ClrType.Name}; expected float or double lists");
        var values = new List<double>();
        var lengths = new List<int>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using ParquetRowGroupReader group = reader.OpenRowGroupReader(g);
            int count = checked((int)(group.GetMetadata(field)?.MetaData?.NumValues ?? throw new DatasetException(path, $"column '{name}' has no column metadata")));
            var definitions = new int[count];
            var repetitions = new int[count];
            double[] flat;
            if (field.ClrType == typeof(double))
            {
                flat = new double[count];
                await group.ReadRawAsync<double>(field, flat.AsMemory(), definitions.AsMemory(), repetitions.AsMemory());
            }
            else
            {
                var single = new float[count];
                await group.ReadRawAsync<float>(field, single.AsMemory(), definitions.AsMemory(), repetitions.AsMemory());
                flat = Array.ConvertAll(single, v => (double)v);
            }
            for (int i = 0; i < count; i++)
            {
                if (repetitions[i] == 0) lengths.Add(0);
                if (definitions[i] != field.MaxDefinitionLevel)
                    throw new DatasetException(path, $"row {lengths.Count - 1}, column '{name}': missing value or empty list");
                lengths[^1]++;
                values.Add(flat[i]);
            }
        }
        return (values.ToArray(), lengths.ToArray());
    }
}
