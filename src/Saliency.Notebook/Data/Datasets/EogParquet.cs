using Parquet;
using Parquet.Schema;

namespace Saliency.Notebook.Data.Datasets;

/// <summary>The EOG source table (eog/EOG.parquet): 990 series of 200 float64 values (column dim_0), their digit (target)
/// and split tag (dataset). time_series_positions.npy was built from it with np.stack(df.dim_0).</summary>
/// <param name="Values">All series, row after row (N × <paramref name="Length"/>).</param>
/// <param name="Length">Values per series.</param>
/// <param name="Targets">The digit of each row ('3', '6' or '7').</param>
/// <param name="Splits">The dataset column of each row (e.g. 'train', 'augmented'), or null when the file has none.</param>
public sealed record EogParquetTable(double[] Values, int Length, string[] Targets, string[]? Splits)
{
    /// <summary>Number of rows.</summary>
    public int Count => Targets.Length;

    /// <summary>Reads the table with Parquet.Net; every row's list must have the same length.</summary>
    public static EogParquetTable Read(string path) => ReadAsync(path).GetAwaiter().GetResult();

    /// <summary>Reads the table with Parquet.Net; every row's list must have the same length.</summary>
    public static async Task<EogParquetTable> ReadAsync(string path, CancellationToken cancellation = default)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing; run `./saliency data fetch` to get the paper's data", path);
        await using ParquetReader reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellation);
        DataField[] fields = reader.Schema.GetDataFields();
        DataField series = fields.FirstOrDefault(f => f.Path.FirstPart == "dim_0")
            ?? throw new DatasetException(path, "no dim_0 column");
        DataField target = fields.FirstOrDefault(f => f.Path.FirstPart == "target")
            ?? throw new DatasetException(path, "no target column");
        DataField? split = fields.FirstOrDefault(f => f.Path.FirstPart == "dataset");

        var values = new List<double>();
        var targets = new List<string>();
        var splits = split is null ? null : new List<string>();
        int length = -1;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using ParquetRowGroupReader group = reader.OpenRowGroupReader(g);
            int rows = checked((int)group.RowCount);
            targets.AddRange(await ReadStrings(group, target, rows, path, cancellation));
            if (split is not null) splits!.AddRange(await ReadStrings(group, split, rows, path, cancellation));

            long valueCount = group.GetMetadata(series)?.MetaData?.NumValues
                ?? throw new DatasetException(path, "dim_0 has no column metadata");
            var flat = new double[checked((int)valueCount)];
            var definitions = new int[flat.Length];
            var levels = new int[flat.Length];
            await group.ReadRawAsync<double>(series, flat.AsMemory(), definitions.AsMemory(), levels.AsMemory(), cancellation);
            if (definitions.Any(d => d != series.MaxDefinitionLevel))
                throw new DatasetException(path, "dim_0 has missing values or empty lists");
            int groupLength = rows == 0 ? 0 : flat.Length / rows;
            if (rows > 0 && (flat.Length % rows != 0 || (length >= 0 && groupLength != length)))
                throw new DatasetException(path, $"dim_0 lists have unequal lengths ({flat.Length} values for {rows} rows)");
            for (int i = 0; i < flat.Length; i++)
            {
                if ((levels[i] == 0) != (i % groupLength == 0))
                    throw new DatasetException(path, $"dim_0 lists have unequal lengths (row break at value {i})");
                values.Add(flat[i]);
            }
            if (rows > 0) length = groupLength;
        }
        return new EogParquetTable(values.ToArray(), Math.Max(length, 0), targets.ToArray(), splits?.ToArray());
    }

    private static async Task<string[]> ReadStrings(ParquetRowGroupReader group, DataField field, int rows, string path, CancellationToken cancellation)
    {
        var buffer = new string?[rows];
        await group.ReadAsync(field, buffer.AsMemory(), null, cancellation);
        if (buffer.Any(s => s is null)) throw new DatasetException(path, $"column {field.Name} has missing values");
        return buffer!;
    }
}
