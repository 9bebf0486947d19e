using System.Globalization;

namespace Saliency.Notebook.Data.Datasets.Readers;

/// <summary>One column of a table read from a file: text cells (CSV) or numbers with nulls for missing cells (Parquet).</summary>
internal sealed class TableColumn
{
    private readonly string[]? _texts;
    private readonly double?[]? _numbers;

    private TableColumn(string name, string[]? texts, double?[]? numbers)
    {
        Name = name;
        _texts = texts;
        _numbers = numbers;
    }

    /// <summary>The column's name in the file.</summary>
    public string Name { get; }

    /// <summary>A column of text cells, parsed as numbers on demand.</summary>
    public static TableColumn OfText(string name, string[] cells) => new(name, cells, null);

    /// <summary>A column of numbers; null is a missing cell.</summary>
    public static TableColumn OfNumbers(string name, double?[] cells) => new(name, null, cells);

    /// <summary>The cell as a finite number, or an error naming the file, the row and this column.</summary>
    public double Number(Table table, int row)
    {
        double value;
        if (_numbers is not null)
        {
            value = _numbers[row] ?? throw table.Error(row, this, "missing value");
        }
        else
        {
            string cell = _texts![row].Trim();
            if (cell.Length == 0) throw table.Error(row, this, "missing value");
            if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
                throw table.Error(row, this, $"'{cell}' is not a number");
        }
        if (!double.IsFinite(value)) throw table.Error(row, this, $"non-finite value {value.ToString(CultureInfo.InvariantCulture)} (NaN or Inf)");
        return value;
    }

    /// <summary>The cell as text (a label or an id): integers without a decimal point, other numbers in round-trip form.</summary>
    public string Text(Table table, int row)
    {
        if (_texts is not null) return _texts[row].Trim();
        double value = _numbers![row] ?? throw table.Error(row, this, "missing value");
        if (!double.IsFinite(value)) throw table.Error(row, this, $"missing value ({value.ToString(CultureInfo.InvariantCulture)})");
        return value == Math.Floor(value) && Math.Abs(value) < 1e15
            ? ((long)value).ToString(CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);
    }
}

/// <summary>A table read from a file, with the names its rows have in error messages (CSV: line numbers; Parquet: row indices).</summary>
internal sealed class Table(string source, IReadOnlyList<TableColumn> columns, int rowCount, Func<int, string> rowName)
{
    /// <summary>The file.</summary>
    public string Source { get; } = source;

    /// <summary>The columns in file order.</summary>
    public IReadOnlyList<TableColumn> Columns { get; } = columns;

    /// <summary>Number of data rows.</summary>
    public int RowCount { get; } = rowCount;

    /// <summary>How a row is named in an error ("line 7", "row 5").</summary>
    public string RowName(int row) => rowName(row);

    /// <summary>The column named <paramref name="name"/> (case-insensitive), or null.</summary>
    public TableColumn? Find(string name) => Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The column named <paramref name="given"/> (an error when it is absent), else the first column named one of <paramref name="aliases"/>, else null.</summary>
    public TableColumn? Choose(string? given, string option, IEnumerable<string> aliases)
    {
        if (given is not null)
            return Find(given) ?? throw new DatasetException(Source, $"no column '{given}' ({option}); the columns are {ColumnList()}");
        return aliases.Select(Find).FirstOrDefault(c => c is not null);
    }

    /// <summary>An error about one cell: the file, the row and the column.</summary>
    public DatasetException Error(int row, TableColumn column, string problem) => new(Source, $"{RowName(row)}, column '{column.Name}': {problem}");

    /// <summary>The column names, quoted, for error messages.</summary>
    public string ColumnList() => string.Join(", ", Columns.Take(12).Select(c => $"'{c.Name}'")) + (Columns.Count > 12 ? $", … ({Columns.Count} in all)" : "");
}
