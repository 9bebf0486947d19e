using System.CommandLine;
using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Npy;

namespace Saliency.Cli.Commands;

/// <summary>
/// The data options of every command that reads a dataset (train, encode, explain, pipeline, sanity, bench), registered and resolved
/// in one place: <c>--dataset NAME</c> reads one of the paper's datasets from the folder <c>--data DIR</c> (default
/// <c>&lt;repo root&gt;/data</c>); without <c>--dataset</c>, <c>--data FILE</c> reads data of your own (.npy, .csv, .tsv, .parquet,
/// .ts) with <c>--labels FILE</c> or <c>--label-column NAME</c> and the optional description options.
/// </summary>
public sealed class DataOptions
{
    private static readonly string PaperNames = string.Join(", ", DatasetRegistry.All.Select(d => d.Name));

    private readonly bool _many;
    private readonly Option<string[]> _dataset;
    private readonly Option<string?> _data = new("--data") { Description = "with --dataset: the folder holding the paper's data (default: <repo root>/data); without: a data file of your own (.npy, .csv, .tsv, .parquet, .ts)" };
    private readonly Option<string?> _labels = new("--labels") { Description = "--data FILE: a labels file, one label per series (.npy of strings or integers, or text with one label per line)" };
    private readonly Option<string?> _labelColumn = new("--label-column") { Description = "--data FILE: the label column of a CSV/Parquet table (default: label, class or target)" };
    private readonly Option<string?> _idColumn = new("--id-column") { Description = "--data FILE: the series id column of a long table (default: series, series_id, id or case_id)" };
    private readonly Option<string?> _timeColumn = new("--time-column") { Description = "--data FILE: the time column of a long table (default: time, t, timestamp, step or reading_id)" };
    private readonly Option<string?> _layout = new("--layout") { Description = "--data FILE: wide or long (default: long when the table has a series id and a time column)" };
    private readonly Option<string?> _name = new("--name") { Description = "--data FILE: the dataset's name (default: the file name without extension)" };
    private readonly Option<string?> _channels = new("--channel-names") { Description = "--data FILE: channel names, comma-separated (default: from the columns, else value / ch0,ch1,…)" };
    private readonly Option<string?> _classes = new("--class-names") { Description = "--data FILE: the classes in order, comma-separated; integer labels 0…K-1 are renamed to them" };
    private readonly Option<string?> _plotKind = new("--plot-kind") { Description = "--data FILE: time-series or trajectory (default: trajectory for two channels named x,y or lon,lat)" };

    private DataOptions(bool many)
    {
        _many = many;
        _dataset = new Option<string[]>("--dataset")
        {
            Description = many ? $"the paper's datasets to use: {PaperNames} (default: all four, or the --data FILE)" : $"one of the paper's datasets: {PaperNames} (or give --data FILE)",
            AllowMultipleArgumentsPerToken = many,
        };
    }

    /// <summary>Adds the options to <paramref name="command"/>; <paramref name="many"/> lets <c>--dataset</c> take several names (bench).</summary>
    public static DataOptions AddTo(Command command, bool many = false)
    {
        var options = new DataOptions(many);
        foreach (Option option in new Option[] { options._dataset, options._data, options._labels, options._labelColumn, options._idColumn, options._timeColumn,
                     options._layout, options._name, options._channels, options._classes, options._plotKind })
            command.Options.Add(option);
        return options;
    }

    /// <summary>The data options given on the command line (not defaulted), by name: for a mode that reads no data (bench --scale) to refuse them.</summary>
    public IReadOnlyList<string> Given(ParseResult parse) =>
        new Option[] { _dataset, _data, _labels, _labelColumn, _idColumn, _timeColumn, _layout, _name, _channels, _classes, _plotKind }
            .Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToArray();

    /// <summary>The dataset the command reads (one --dataset NAME, or --data FILE); an error says which options to give.</summary>
    public TimeSeriesDataset Load(ParseResult parse) => Load(parse, Names(parse).Single());

    /// <summary>The names of the datasets chosen: the --dataset names, the --data FILE's dataset, or (bench only) all four.</summary>
    public IReadOnlyList<string> Names(ParseResult parse)
    {
        string[] names = parse.GetValue(_dataset) ?? [];
        string? file = OwnFile(parse, names);
        if (file is not null) return [parse.GetValue(_name) ?? Path.GetFileNameWithoutExtension(file)];
        if (names.Length == 0)
            return _many ? DatasetRegistry.All.Select(d => d.Name).ToArray() : throw new ArgumentException($"give --dataset NAME ({PaperNames}) or --data FILE for data of your own.");
        if (!_many && names.Length > 1) throw new ArgumentException($"--dataset takes one name here; got {string.Join(", ", names)}.");
        return names.Select(n => DatasetRegistry.Get(n).Name).ToArray();
    }

    /// <summary>The dataset called <paramref name="name"/> (the --data FILE's own name, or a paper's name, as in <see cref="Names"/>).</summary>
    public string Canonical(ParseResult parse, string name)
    {
        string? file = OwnFile(parse, parse.GetValue(_dataset) ?? []);
        string? own = file is null ? null : parse.GetValue(_name) ?? Path.GetFileNameWithoutExtension(file);
        return own is not null && string.Equals(own, name, StringComparison.OrdinalIgnoreCase) ? own : DatasetRegistry.Get(name).Name;
    }

    /// <summary>Loads dataset <paramref name="name"/> (one of <see cref="Names"/>).</summary>
    public TimeSeriesDataset Load(ParseResult parse, string name)
    {
        string? file = OwnFile(parse, parse.GetValue(_dataset) ?? []);
        if (file is null) return DatasetRegistry.Load(name, parse.GetValue(_data) ?? DataPaths.DefaultDataDirectory());
        return TimeSeriesFiles.Load(file, new DataFileOptions
        {
            LabelsPath = parse.GetValue(_labels),
            LabelColumn = parse.GetValue(_labelColumn),
            IdColumn = parse.GetValue(_idColumn),
            TimeColumn = parse.GetValue(_timeColumn),
            Layout = parse.GetValue(_layout) switch
            {
                null => null,
                "wide" => TableLayout.Wide,
                "long" => TableLayout.Long,
                var other => throw new ArgumentException($"--layout must be wide or long; got '{other}'."),
            },
            Name = parse.GetValue(_name),
            ChannelNames = List(parse.GetValue(_channels)),
            ClassNames = List(parse.GetValue(_classes)),
            PlotKind = PlotKindOf(parse),
        });
    }

    /// <summary>
    /// The dataset as chunks for the streaming pipeline: a --data FILE.npy with --labels is read in chunks straight from the file (any size);
    /// anything else, and a Fortran-order .npy (whose series are not contiguous rows), is loaded as <see cref="Load(ParseResult)"/> does and
    /// handed out in chunks. The caller disposes <c>Owner</c> when done.
    /// </summary>
    public (IChunkedSeries Source, IDisposable? Owner) LoadChunked(ParseResult parse)
    {
        string? file = OwnFile(parse, parse.GetValue(_dataset) ?? []);
        if (file is not null && file.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) && parse.GetValue(_labels) is { } labels
            && parse.GetValue(_labelColumn) is null && parse.GetValue(_classes) is null && parse.GetValue(_channels) is null
            && !NpyReader.ReadHeader(file).FortranOrder)
            return (ChunkedSeries.FromNpy(file, labels, parse.GetValue(_name), PlotKindOf(parse)), null);
        var dataset = Load(parse);
        return (ChunkedSeries.From(dataset), dataset);
    }

    /// <summary>The file that holds a loaded dataset's values (for its SHA-256 on a model card): the --data FILE, or the paper's positions file.</summary>
    public string ValuesFile(ParseResult parse, TimeSeriesDataset dataset) =>
        dataset.Info.PositionsPath(parse.GetValue(_data) ?? DataPaths.DefaultDataDirectory());

    /// <summary>The --data FILE when the command reads data of your own, else null; mixing the two kinds of options is an error.</summary>
    private string? OwnFile(ParseResult parse, string[] names)
    {
        string? data = parse.GetValue(_data);
        Option[] ownOnly = [_labels, _labelColumn, _idColumn, _timeColumn, _layout, _name, _channels, _classes, _plotKind];
        var given = ownOnly.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToArray();
        if (names.Length > 0)
        {
            if (data is not null && File.Exists(data))
                throw new ArgumentException($"--data {data} is a file: --dataset NAME reads the paper's data from a folder, --data FILE reads your own; give one.");
            if (given.Length > 0) throw new ArgumentException($"{string.Join(", ", given)} apply to --data FILE, not to --dataset.");
            return null;
        }
        if (data is null)
        {
            if (given.Length > 0) throw new ArgumentException($"{string.Join(", ", given)} need --data FILE.");
            return null;
        }
        if (Directory.Exists(data) && _many) return null;
        if (Directory.Exists(data)) throw new ArgumentException($"--data {data} is a folder: give --dataset NAME ({PaperNames}) to read the paper's data from it, or --data FILE for your own.");
        if (!File.Exists(data)) throw new FileNotFoundException($"--data {data}: no such file", data);
        return data;
    }

    private PlotKind? PlotKindOf(ParseResult parse) => parse.GetValue(_plotKind) switch
    {
        null => null,
        "time-series" or "timeseries" => PlotKind.TimeSeries,
        "trajectory" or "trajectories" => PlotKind.Trajectory,
        var other => throw new ArgumentException($"--plot-kind must be time-series or trajectory; got '{other}'."),
    };

    private static string[]? List(string? commaSeparated) =>
        commaSeparated?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
