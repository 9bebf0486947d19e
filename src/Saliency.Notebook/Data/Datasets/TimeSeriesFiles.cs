using Saliency.Notebook.Data.Datasets.Readers;

namespace Saliency.Notebook.Data.Datasets;

/// <summary>
/// Loads time series of your own from a file: .npy (with a labels .npy or text file), CSV/TSV (wide or long), Parquet (nested, wide
/// or long) and the UCR/UEA .ts format, one <see cref="ITimeSeriesReader"/> per format, chosen by <see cref="DataFileOptions.Format"/>
/// or the extension. What is not given is inferred: the name from the file name; channel names from the columns (else <c>value</c>
/// for one channel, <c>ch0, ch1, …</c> for more); classes from the labels; the plot kind is a trajectory for two channels named
/// x/y, lon/lat or longitude/latitude, else a time series.
/// </summary>
public static class TimeSeriesFiles
{
    /// <summary>The readers, one per format.</summary>
    public static IReadOnlyList<ITimeSeriesReader> Readers { get; } =
        [new NpyTimeSeriesReader(), new CsvTimeSeriesReader(), new ParquetTimeSeriesReader(), new TsFileReader()];

    /// <summary>The reader for <paramref name="format"/> (npy, csv, tsv, parquet, ts) or, when null, for the extension of <paramref name="path"/>.</summary>
    public static ITimeSeriesReader ReaderFor(string path, string? format = null)
    {
        if (format is not null)
        {
            string key = format.Trim().TrimStart('.').ToLowerInvariant();
            return Readers.FirstOrDefault(r => r.Format == key || r.Extensions.Contains("." + key))
                ?? throw new ArgumentException($"unknown data format '{format}'; known: npy, csv, tsv, parquet, ts.");
        }
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return Readers.FirstOrDefault(r => r.Extensions.Contains(extension))
            ?? throw new ArgumentException($"{path}: cannot tell the format from the extension '{extension}'; use .npy, .csv, .tsv, .parquet or .ts, or name the format.");
    }

    /// <summary>Reads <paramref name="path"/> into a dataset; a bad file is refused with an error naming it (and the row or column) before anything is built.</summary>
    public static TimeSeriesDataset Load(string path, DataFileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new DataFileOptions();
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath)) throw new FileNotFoundException($"{fullPath}: data file not found", fullPath);
        ITimeSeriesReader reader = ReaderFor(fullPath, options.Format);
        SeriesArrays arrays = reader.Read(fullPath, options);
        string? labelsPath = options.LabelsPath is null ? null : Path.GetFullPath(options.LabelsPath);
        if (arrays.Labels is not null && labelsPath is not null)
            throw new ArgumentException($"{fullPath} holds its labels and a labels file ({labelsPath}) is given too: give one.");
        string[] labels = arrays.Labels
            ?? (labelsPath is not null ? LabelsFile.Read(labelsPath) : throw new DatasetException(fullPath, "holds no labels; give a labels file (--labels FILE)"));
        string labelsSource = labelsPath ?? fullPath;
        string name = options.Name ?? Path.GetFileNameWithoutExtension(fullPath);
        string description = $"{Path.GetFileName(fullPath)} ({arrays.Layout})";
        return TimeSeriesDataset.Create(arrays.Values, arrays.Count, arrays.Length, arrays.Channels, labels, fullPath, labelsSource,
            options.ClassNames ?? arrays.DeclaredClasses,
            classes => Describe(options with { Name = name }, name, description, arrays.Channels, arrays.ChannelNames, classes, arrays.Count, arrays.Length) with
            {
                Folder = Path.GetDirectoryName(fullPath),
                PositionsFile = Path.GetFileName(fullPath),
                LabelsFile = labelsSource,
                SourceOptions = options with { LabelsPath = labelsPath },
            });
    }

    /// <summary>The description of data of your own: what <paramref name="given"/> says, the rest inferred (see the class summary).</summary>
    internal static DatasetInfo Describe(DatasetDescription given, string defaultName, string description, int channels,
        IReadOnlyList<string>? inferredChannels, IReadOnlyList<string> classes, int count, int length)
    {
        IReadOnlyList<string> channelNames = given.ChannelNames ?? inferredChannels
            ?? (channels == 1 ? ["value"] : Enumerable.Range(0, channels).Select(c => $"ch{c}").ToArray());
        if (channelNames.Count != channels)
            throw new ArgumentException($"{channelNames.Count} channel name(s) given ({string.Join(", ", channelNames)}) but the data has {channels} channel(s).");
        PlotKind kind = given.PlotKind ?? (channels == 2 && IsXyPair(channelNames[0], channelNames[1]) ? PlotKind.Trajectory : PlotKind.TimeSeries);
        if (kind == PlotKind.Trajectory && channels < 2)
            throw new ArgumentException($"a trajectory plot needs two channels (x, y); the data has {channels}.");
        return new DatasetInfo
        {
            Name = given.Name ?? defaultName,
            Description = description,
            ChannelNames = channelNames.ToArray(),
            ClassNames = classes.ToArray(),
            PlotKind = kind,
            XAxisTitle = kind == PlotKind.Trajectory ? channelNames[0] : "time",
            YAxisTitle = kind == PlotKind.Trajectory ? channelNames[1] : channelNames[0],
            LabelColors = DatasetInfo.Colors(),
            ExpectedCount = count,
            SequenceLength = length,
        };
    }

    private static bool IsXyPair(string first, string second) =>
        (first.ToLowerInvariant(), second.ToLowerInvariant()) is ("x", "y") or ("lon", "lat") or ("lng", "lat") or ("longitude", "latitude");
}
