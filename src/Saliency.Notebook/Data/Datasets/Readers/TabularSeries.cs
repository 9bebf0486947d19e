using System.Globalization;
using System.Text.RegularExpressions;

namespace Saliency.Notebook.Data.Datasets.Readers;

/// <summary>
/// Turns a table (CSV or Parquet) into series, in one of two layouts.
/// <para><b>Wide</b>: one row per series; a label column; every other column (but a series id column) is a time step. Columns named
/// <c>NAME_T</c> or <c>NAMET</c> with an integer T (e.g. <c>x_0 … x_59, y_0 … y_59</c>) are channel NAME at step T, channels in order of
/// first appearance (a single channel named t, time, step or timestep is called value); any other names make one channel, its
/// steps in column order.</para>
/// <para><b>Long</b>: one row per series and time step; a series id column, a time column (numbers; each series is sorted by it) and
/// either one column per channel (e.g. <c>value</c>, or <c>x, y</c>) or a channel column with one <c>value</c> column; the label is
/// repeated on every row of a series. Series keep the order of their first row.</para>
/// </summary>
internal static partial class TabularSeries
{
    /// <summary>Names tried, in order, for the label column when none is given.</summary>
    public static readonly string[] LabelAliases = ["label", "class", "target"];

    /// <summary>Names tried for the series id column.</summary>
    public static readonly string[] IdAliases = ["series", "series_id", "id", "case_id"];

    /// <summary>Names tried for the time column.</summary>
    public static readonly string[] TimeAliases = ["time", "t", "timestamp", "step", "reading_id"];

    /// <summary>Names tried for the channel column of a long table.</summary>
    public static readonly string[] ChannelAliases = ["channel", "dim_id", "dimension"];

    /// <summary>Column-name prefixes that say "time step", not a channel name (<c>t0 … t59</c> is one channel called value).</summary>
    private static readonly HashSet<string> TimePrefixes = new(["t", "time", "step", "timestep"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads the series of <paramref name="table"/> in the layout the options give or the columns suggest.</summary>
    public static SeriesArrays Read(Table table, DataFileOptions options, string format)
    {
        if (table.RowCount == 0) throw new DatasetException(table.Source, "no data rows");
        TableColumn? id = table.Choose(options.IdColumn, "series id column", IdAliases);
        TableColumn? time = table.Choose(options.TimeColumn, "time column", options.Layout == TableLayout.Wide ? [] : TimeAliases);
        TableColumn? label = table.Choose(options.LabelColumn, "label column", options.LabelsPath is null ? LabelAliases : []);
        if (options.LabelsPath is not null && options.LabelColumn is not null)
            throw new ArgumentException($"{table.Source}: give a label column or a labels file, not both.");
        if (label is null && options.LabelsPath is null)
            throw new DatasetException(table.Source, $"no label column (tried {string.Join(", ", LabelAliases)}); name it (--label-column) or give a labels file (--labels); the columns are {table.ColumnList()}");
        TableLayout layout = options.Layout ?? (id is not null && time is not null ? TableLayout.Long : TableLayout.Wide);
        if (layout == TableLayout.Long)
        {
            if (id is null) throw new DatasetException(table.Source, $"a long table needs a series id column (tried {string.Join(", ", IdAliases)}); the columns are {table.ColumnList()}");
            if (time is null) throw new DatasetException(table.Source, $"a long table needs a time column (tried {string.Join(", ", TimeAliases)}); the columns are {table.ColumnList()}");
            TableColumn? channel = table.Choose(options.ChannelColumn, "channel column", ChannelAliases);
            return ReadLong(table, id, time, channel, label, format);
        }
        return ReadWide(table, id, label, format);
    }

    private static SeriesArrays ReadWide(Table table, TableColumn? id, TableColumn? label, string format)
    {
        var valueColumns = table.Columns.Where(c => c != id && c != label).ToList();
        if (valueColumns.Count == 0) throw new DatasetException(table.Source, "no value columns besides the label and id columns");
        (List<string> channelNames, TableColumn[,] grid) = ChannelGrid(table, valueColumns);
        int n = table.RowCount, l = grid.GetLength(0), c = grid.GetLength(1);
        var values = new float[checked(n * l * c)];
        for (int row = 0; row < n; row++)
            for (int t = 0; t < l; t++)
                for (int ch = 0; ch < c; ch++)
                    values[(row * l + t) * c + ch] = (float)grid[t, ch].Number(table, row);
        string[]? labels = label is null ? null : Enumerable.Range(0, n).Select(r => label.Text(table, r)).ToArray();
        return new SeriesArrays(values, n, l, c, labels, channelNames, null, $"wide {format}, {c} channel(s)");
    }

    /// <summary>The value columns as a (time, channel) grid: channel-suffixed names when every column has one, else one channel.</summary>
    private static (List<string> Names, TableColumn[,] Grid) ChannelGrid(Table table, List<TableColumn> columns)
    {
        var parsed = columns.Select(col => (Column: col, Match: StepSuffix().Match(col.Name))).ToList();
        if (parsed.Any(p => !p.Match.Success))
        {
            var single = new TableColumn[columns.Count, 1];
            for (int t = 0; t < columns.Count; t++) single[t, 0] = columns[t];
            return (["value"], single);
        }
        var names = new List<string>();
        var steps = new Dictionary<string, SortedDictionary<long, TableColumn>>(StringComparer.Ordinal);
        foreach (var (column, match) in parsed)
        {
            string name = match.Groups["channel"].Value.TrimEnd('_');
            long step = long.Parse(match.Groups["step"].Value, CultureInfo.InvariantCulture);
            if (!steps.TryGetValue(name, out var byStep))
            {
                names.Add(name);
                steps[name] = byStep = new SortedDictionary<long, TableColumn>();
            }
            if (!byStep.TryAdd(step, column))
                throw new DatasetException(table.Source, $"columns '{byStep[step].Name}' and '{column.Name}' are both step {step} of channel '{name}'");
        }
        long[] first = steps[names[0]].Keys.ToArray();
        // The columns become consecutive steps, so their numbers must be evenly spaced (t0, t1, … or t0, t10, …): a gap is a missing column.
        for (int gap = 2; gap < first.Length; gap++)
            if (first[gap] - first[gap - 1] != first[1] - first[0])
            {
                var byStep = steps[names[0]];
                throw new DatasetException(table.Source, $"column '{byStep[first[gap]].Name}' follows '{byStep[first[gap - 1]].Name}', but '{byStep[first[1]].Name}' follows " +
                                                         $"'{byStep[first[0]].Name}': the step columns must be evenly spaced (is a column missing?)");
            }
        foreach (string name in names.Skip(1))
        {
            long[] these = steps[name].Keys.ToArray();
            long missing = first.Except(these).Concat(these.Except(first)).FirstOrDefault(-1);
            if (missing >= 0 || these.Length != first.Length)
                throw new DatasetException(table.Source, $"ragged columns: channel '{names[0]}' has {first.Length} steps and channel '{name}' has {these.Length}; step {missing} is in one of them only");
        }
        var grid = new TableColumn[first.Length, names.Count];
        for (int ch = 0; ch < names.Count; ch++)
        {
            int t = 0;
            foreach (TableColumn column in steps[names[ch]].Values) grid[t++, ch] = column;
        }
        return (names.Select(n => n.Length == 0 || TimePrefixes.Contains(n) && names.Count == 1 ? "value" : n).ToList(), grid);
    }

    private static SeriesArrays ReadLong(Table table, TableColumn id, TableColumn time, TableColumn? channel, TableColumn? label, string format)
    {
        var valueColumns = table.Columns.Where(c => c != id && c != time && c != channel && c != label).ToList();
        if (valueColumns.Count == 0) throw new DatasetException(table.Source, "no value column besides the id, time, channel and label columns");
        if (channel is not null && valueColumns.Count != 1)
            throw new DatasetException(table.Source, $"a long table with a channel column '{channel.Name}' needs exactly one value column; found {string.Join(", ", valueColumns.Select(c => $"'{c.Name}'"))}");

        var channelNames = channel is null ? valueColumns.Select(c => c.Name).ToList() : new List<string>();
        var channelIndex = channelNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var seriesOrder = new List<string>();
        var series = new Dictionary<string, SeriesRows>(StringComparer.Ordinal);
        for (int row = 0; row < table.RowCount; row++)
        {
            string key = id.Text(table, row);
            if (!series.TryGetValue(key, out SeriesRows? rows))
            {
                seriesOrder.Add(key);
                series[key] = rows = new SeriesRows(row, label is null ? null : label.Text(table, row));
            }
            else if (label is not null && label.Text(table, row) is var other && other != rows.Label)
            {
                throw table.Error(row, label, $"series '{key}' is labelled '{rows.Label}' on {table.RowName(rows.FirstRow)} and '{other}' here");
            }
            double step = time.Number(table, row);
            if (channel is null)
            {
                for (int ch = 0; ch < valueColumns.Count; ch++) rows.Add(ch, step, valueColumns[ch].Number(table, row), row);
            }
            else
            {
                string name = channel.Text(table, row);
                if (!channelIndex.TryGetValue(name, out int ch))
                {
                    ch = channelNames.Count;
                    channelNames.Add(name);
                    channelIndex[name] = ch;
                }
                rows.Add(ch, step, valueColumns[0].Number(table, row), row);
            }
        }

        int n = seriesOrder.Count, c = channelNames.Count;
        SeriesRows firstSeries = series[seriesOrder[0]];
        int l = firstSeries.StepCount(0);
        var values = new float[checked(n * l * c)];
        for (int s = 0; s < n; s++)
        {
            SeriesRows rows = series[seriesOrder[s]];
            for (int ch = 0; ch < c; ch++)
            {
                var points = rows.Sorted(ch);
                if (points.Count != l)
                    throw new DatasetException(table.Source,
                        $"ragged series: series '{seriesOrder[s]}' (first on {table.RowName(rows.FirstRow)}) has {points.Count} time steps of channel '{channelNames[ch]}' but series '{seriesOrder[0]}' has {l}; every series needs the same length");
                var times = ch == 0 ? null : rows.Sorted(0);
                for (int t = 0; t < l; t++)
                {
                    if (times is not null && points[t].Time != times[t].Time)
                        throw new DatasetException(table.Source, $"{table.RowName(points[t].Row)}: series '{seriesOrder[s]}' has channel '{channelNames[ch]}' at time {points[t].Time.ToString(CultureInfo.InvariantCulture)} where channel '{channelNames[0]}' has time {times[t].Time.ToString(CultureInfo.InvariantCulture)}; the channels of a series need the same time stamps");
                    if (t > 0 && points[t].Time == points[t - 1].Time)
                        throw new DatasetException(table.Source, $"{table.RowName(points[t].Row)}: series '{seriesOrder[s]}' has time {points[t].Time.ToString(CultureInfo.InvariantCulture)} twice (also on {table.RowName(points[t - 1].Row)})");
                    values[(s * l + t) * c + ch] = (float)points[t].Value;
                }
            }
        }
        string[]? labels = label is null ? null : seriesOrder.Select(k => series[k].Label!).ToArray();
        return new SeriesArrays(values, n, l, c, labels, channelNames, null, $"long {format}, {c} channel(s)");
    }

    /// <summary>The rows of one series, per channel, before sorting by time.</summary>
    private sealed class SeriesRows(int firstRow, string? label)
    {
        private readonly List<List<(double Time, double Value, int Row)>> _channels = [];

        public int FirstRow { get; } = firstRow;

        public string? Label { get; } = label;

        public void Add(int channel, double time, double value, int row)
        {
            while (_channels.Count <= channel) _channels.Add([]);
            _channels[channel].Add((time, value, row));
        }

        public int StepCount(int channel) => channel < _channels.Count ? _channels[channel].Count : 0;

        public List<(double Time, double Value, int Row)> Sorted(int channel) =>
            channel < _channels.Count ? _channels[channel].OrderBy(p => p.Time).ToList() : [];
    }

    /// <summary>A column name ending in a step number: an optional channel name (with an optional trailing '_') then digits.</summary>
    [GeneratedRegex(@"^(?<channel>.*?)(?<step>\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex StepSuffix();
}
