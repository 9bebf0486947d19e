namespace Saliency.Notebook.Data.Datasets;

/// <summary>What can be said about data of your own instead of inferred: its name, channel names, class names and plot kind.
/// Every property is optional; null means "infer it" (see <see cref="TimeSeriesFiles"/> for the rules).</summary>
public record DatasetDescription
{
    /// <summary>Dataset name (default: the file name without its extension, or "arrays").</summary>
    public string? Name { get; init; }

    /// <summary>Channel names in channel order; their count must equal C.</summary>
    public IReadOnlyList<string>? ChannelNames { get; init; }

    /// <summary>The classes, in the order plots and tables list them. Every class must have a sample and every label must be one of
    /// them, or, when the labels are the integers 0 … K−1, label i is renamed <c>ClassNames[i]</c>.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>Value over time, or channel 0 as x and channel 1 as y.</summary>
    public PlotKind? PlotKind { get; init; }
}

/// <summary>How the rows of a table (CSV or Parquet) hold the series.</summary>
public enum TableLayout
{
    /// <summary>One row per series: a label column and one column per time step (per channel).</summary>
    Wide,

    /// <summary>One row per (series, time step): a series id column, a time column, value column(s) and the label.</summary>
    Long,
}

/// <summary>Where the labels and the series are in a file of your own, on top of its <see cref="DatasetDescription"/>.</summary>
public sealed record DataFileOptions : DatasetDescription
{
    /// <summary>A labels file, one label per series in file order: a 1-D .npy of strings or integers, or a text file with one label per line.</summary>
    public string? LabelsPath { get; init; }

    /// <summary>The label column of a table (default: the first of label, class, target).</summary>
    public string? LabelColumn { get; init; }

    /// <summary>The series id column of a long table (default: the first of series, series_id, id, case_id).</summary>
    public string? IdColumn { get; init; }

    /// <summary>The time column of a long table (default: the first of time, t, timestamp, step, reading_id).</summary>
    public string? TimeColumn { get; init; }

    /// <summary>The channel column of a long table with a single value column (default: the first of channel, dim_id, dimension).</summary>
    public string? ChannelColumn { get; init; }

    /// <summary>The table layout (default: long when the table has a series id and a time column, else wide).</summary>
    public TableLayout? Layout { get; init; }

    /// <summary>The format: npy, csv, tsv, parquet or ts (default: from the file's extension).</summary>
    public string? Format { get; init; }
}
