using System.Text;

namespace Saliency.Notebook.Data.Datasets.Readers;

/// <summary>
/// A CSV (or tab-separated .tsv) file with a header row, in the wide or the long layout of <see cref="TabularSeries"/>. Fields may be
/// quoted ("a, b", with "" for a quote); numbers use '.' as the decimal point. Errors name the line (the header is line 1) and the column.
/// </summary>
public sealed class CsvTimeSeriesReader : ITimeSeriesReader
{
    /// <inheritdoc/>
    public string Format => "csv";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".csv", ".tsv"];

    /// <inheritdoc/>
    public SeriesArrays Read(string path, DataFileOptions options)
    {
        char delimiter = path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) || options.Format is "tsv" ? '\t' : ',';
        return TabularSeries.Read(ReadTable(path, delimiter), options, delimiter == '\t' ? "TSV" : "CSV");
    }

    /// <summary>Parses the file into text columns; every record must have as many fields as the header.</summary>
    internal static Table ReadTable(string path, char delimiter)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        string text = File.ReadAllText(path, Encoding.UTF8);
        var records = new List<(List<string> Fields, int Line)>();
        int line = 1, i = 0;
        while (i < text.Length)
        {
            int startLine = line;
            var fields = new List<string>();
            var field = new StringBuilder();
            bool quoted = false, wasQuoted = false, endOfRecord = false;
            while (i < text.Length && !endOfRecord)
            {
                char ch = text[i++];
                if (quoted)
                {
                    if (ch == '"' && i < text.Length && text[i] == '"') { field.Append('"'); i++; }
                    else if (ch == '"') quoted = false;
                    else
                    {
                        if (ch == '\n') line++;
                        field.Append(ch);
                    }
                }
                else if (ch == '"' && field.Length == 0 && !wasQuoted) quoted = wasQuoted = true;
                else if (ch == delimiter) { fields.Add(field.ToString()); field.Clear(); wasQuoted = false; }
                else if (ch == '\r') { }
                else if (ch == '\n') { line++; endOfRecord = true; }
                else field.Append(ch);
            }
            if (quoted) throw new DatasetException(path, $"line {startLine}: a quoted field is not closed");
            fields.Add(field.ToString());
            if (fields.Count == 1 && fields[0].Length == 0 && !wasQuoted) continue; // an empty line
            records.Add((fields, startLine));
        }
        if (records.Count == 0) throw new DatasetException(path, "empty file (no header row)");
        List<string> header = records[0].Fields.Select(h => h.Trim()).ToList();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in header)
        {
            if (name.Length == 0) throw new DatasetException(path, $"line {records[0].Line}: the header has an empty column name");
            if (!seen.Add(name)) throw new DatasetException(path, $"line {records[0].Line}: column '{name}' appears twice in the header");
        }
        int rows = records.Count - 1;
        var cells = header.Select(_ => new string[rows]).ToArray();
        for (int r = 0; r < rows; r++)
        {
            var (fields, recordLine) = records[r + 1];
            if (fields.Count != header.Count)
                throw new DatasetException(path, $"line {recordLine}: ragged row: {fields.Count} fields but the header has {header.Count}");
            for (int c = 0; c < header.Count; c++) cells[c][r] = fields[c];
        }
        int[] lines = records.Skip(1).Select(rec => rec.Line).ToArray();
        return new Table(path, header.Select((name, c) => TableColumn.OfText(name, cells[c])).ToList(), rows, r => $"line {lines[r]}");
    }
}
