using System.Collections.ObjectModel;
using Saliency.Notebook.Data.Geo;
using Saliency.Notebook.IO;

namespace Saliency.Notebook.Data.Datasets;

/// <summary>How a dataset's samples are drawn: a value over time, or an x/y trajectory.</summary>
public enum PlotKind
{
    /// <summary>One channel plotted as value vs time step (eog).</summary>
    TimeSeries,

    /// <summary>Channel 0 as x and channel 1 as y (symbols, aircraft).</summary>
    Trajectory,
}

/// <summary>A dataset's description: where its files are, what the axes and channels mean, its classes and plot colours. The
/// <see cref="DatasetRegistry"/> holds the paper's four; <see cref="TimeSeriesFiles"/> and <see cref="TimeSeriesDataset.FromArrays{TLabel}(float[,,], IReadOnlyList{TLabel}, DatasetDescription?)"/>
/// describe data of your own. <see cref="Load"/> reads it into a <see cref="TimeSeriesDataset"/>.</summary>
public sealed record DatasetInfo
{
    /// <summary>Registry name (symbols, eog, aircraft, aircraft-flyover), or the name of data of your own.</summary>
    public required string Name { get; init; }

    /// <summary>Folder under the data directory (for a file of your own: its folder, a full path; null for arrays).</summary>
    public string? Folder { get; init; }

    /// <summary>The (N, L, C) positions file in <see cref="Folder"/> (for a file of your own: that file; null for arrays).</summary>
    public string? PositionsFile { get; init; }

    /// <summary>The (N,) labels file in <see cref="Folder"/> (for a file of your own: the file the labels were read from; null for arrays).</summary>
    public string? LabelsFile { get; init; }

    /// <summary>How a file of your own was read (null for the paper's datasets and for arrays); <see cref="Load"/> reads it again with these options.</summary>
    public DataFileOptions? SourceOptions { get; init; }

    /// <summary>One line on what the data is.</summary>
    public required string Description { get; init; }

    /// <summary>Channel names, in channel order.</summary>
    public required IReadOnlyList<string> ChannelNames { get; init; }

    /// <summary>The class labels in numpy.unique order (ordinal string sort).</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>How samples are plotted.</summary>
    public required PlotKind PlotKind { get; init; }

    /// <summary>Horizontal axis title of a sample plot.</summary>
    public required string XAxisTitle { get; init; }

    /// <summary>Vertical axis title of a sample plot.</summary>
    public required string YAxisTitle { get; init; }

    /// <summary>Whether plots flip the y axis (the paper does for handwritten symbols).</summary>
    public bool InvertYAxis { get; init; }

    /// <summary>
    /// Whether the paper's dataset plot draws one panel per label with each trajectory coloured along time (symbols), rather
    /// than all trajectories in one panel coloured by label (aircraft).
    /// </summary>
    public bool DatasetPlotAlongTime { get; init; }

    /// <summary>
    /// For flights stored as MinMax-scaled longitude and latitude (aircraft, aircraft-flyover): how to get degrees back, so
    /// that figures draw them over the ground; null for data that are not positions on Earth.
    /// </summary>
    public DegreeScaling? Degrees { get; init; }

    /// <summary>Runways to draw over the flights when they are drawn in <see cref="Degrees"/> (Zurich's for the paper's aircraft data); none by default.</summary>
    public IReadOnlyList<Runway> Runways { get; init; } = [];

    /// <summary>The paper's colour per label (hex), from its plotting code.</summary>
    public required IReadOnlyDictionary<string, string> LabelColors { get; init; }

    /// <summary>Number of samples in the shipped file.</summary>
    public required int ExpectedCount { get; init; }

    /// <summary>Time steps per sample (L).</summary>
    public required int SequenceLength { get; init; }

    /// <summary>Relative paths (folder/file) of the files this dataset needs.</summary>
    public IReadOnlyList<string> RelativeFiles => [$"{Folder}/{PositionsFile}", $"{Folder}/{LabelsFile}"];

    /// <summary>Full path of the positions file under <paramref name="dataDirectory"/> (a file of your own: its full path).</summary>
    public string PositionsPath(string dataDirectory) => Path.Combine(dataDirectory, Folder ?? "", PositionsFile ?? throw FromArrays());

    /// <summary>Full path of the labels file under <paramref name="dataDirectory"/> (a file of your own: the full path of its labels' file).</summary>
    public string LabelsPath(string dataDirectory) => Path.Combine(dataDirectory, Folder ?? "", LabelsFile ?? throw FromArrays());

    /// <summary>Reads the dataset from <paramref name="dataDirectory"/> (the folder holding symbols/, eog/, ...); a file of your own is read again from its path.</summary>
    public TimeSeriesDataset Load(string dataDirectory) => SourceOptions is { } options
        ? TimeSeriesFiles.Load(PositionsPath(dataDirectory), options)
        : TimeSeriesDataset.Load(this, dataDirectory);

    private InvalidOperationException FromArrays() => new($"dataset '{Name}' was built from arrays in memory; it has no files");

    internal static IReadOnlyDictionary<string, string> Colors(params (string Label, string Hex)[] pairs) =>
        new ReadOnlyDictionary<string, string>(pairs.ToDictionary(p => p.Label, p => p.Hex, StringComparer.Ordinal));
}

/// <summary>The paper's four datasets (§1 of the method notes), by name.</summary>
public static class DatasetRegistry
{
    /// <summary>Handwritten symbols ( ) \Omega: 100 originals min-max normalised to [0, 1] plus 1000 augmentations.</summary>
    public static DatasetInfo Symbols { get; } = new()
    {
        Name = "symbols",
        Folder = "symbols",
        PositionsFile = "augmented_symbols.npy",
        LabelsFile = "augmented_labels.npy",
        Description = "handwritten symbols '(', ')' and Ω (labelled \\Omega in the data) as pen trajectories (100 originals + 1000 augmentations)",
        ChannelNames = ["x", "y"],
        ClassNames = ["(", ")", "\\Omega"],
        PlotKind = PlotKind.Trajectory,
        XAxisTitle = "x (normalised, 0–1)",
        YAxisTitle = "y (normalised, 0–1)",
        InvertYAxis = true,
        DatasetPlotAlongTime = true,
        LabelColors = DatasetInfo.Colors(("(", "#0072B2"), (")", "#D55E00"), ("\\Omega", "#009E73")),
        ExpectedCount = 1100,
        SequenceLength = 60,
    };

    /// <summary>EOG eye-movement recordings of the digits 3, 6, 7 (90 originals + 900 augmentations), one channel.</summary>
    public static DatasetInfo Eog { get; } = new()
    {
        Name = "eog",
        Folder = "eog",
        PositionsFile = "time_series_positions.npy",
        LabelsFile = "time_series_labels.npy",
        Description = "EOG signals of handwritten digits '3' '6' '7' (90 originals + 900 augmentations)",
        ChannelNames = ["EOG"],
        ClassNames = ["3", "6", "7"],
        PlotKind = PlotKind.TimeSeries,
        XAxisTitle = "time step",
        YAxisTitle = "EOG (a.u.)",
        LabelColors = DatasetInfo.Colors(("3", "#009E73"), ("6", "#0072B2"), ("7", "#D55E00")),
        ExpectedCount = 990,
        SequenceLength = 200,
    };

    /// <summary>Zurich 2019 landing trajectories (East, South, West), longitude/latitude min-max scaled to [-1, 1].</summary>
    public static DatasetInfo Aircraft { get; } = new()
    {
        Name = "aircraft",
        Folder = "aircraft",
        PositionsFile = "positions.npy",
        LabelsFile = "labels.npy",
        Description = "Zurich 2019 flights by approach flow (East, South, West), 200 resampled points each",
        ChannelNames = ["longitude", "latitude"],
        ClassNames = ["East", "South", "West"],
        PlotKind = PlotKind.Trajectory,
        XAxisTitle = "longitude (°E)",
        YAxisTitle = "latitude (°N)",
        Degrees = DegreeScaling.Aircraft,
        Runways = Geo.Runways.Zurich,
        LabelColors = DatasetInfo.Colors(("East", "#0072B2"), ("West", "#D55E00"), ("South", "#009E73"), ("Flyover", "#000000")),
        ExpectedCount = 900,
        SequenceLength = 200,
    };

    /// <summary>The aircraft flows plus 283 flyovers (positions_flyover/labels_flyover, its own [-1, 1] scaling).</summary>
    public static DatasetInfo AircraftFlyover { get; } = new()
    {
        Name = "aircraft-flyover",
        Folder = "aircraft_flyover",
        PositionsFile = "positions_flyover.npy",
        LabelsFile = "labels_flyover.npy",
        Description = "Zurich 2019 flights with flyovers (Flyover, East, South, West), 200 resampled points each",
        ChannelNames = ["longitude", "latitude"],
        ClassNames = ["East", "Flyover", "South", "West"],
        PlotKind = PlotKind.Trajectory,
        XAxisTitle = "longitude (°E)",
        YAxisTitle = "latitude (°N)",
        Degrees = DegreeScaling.Flyover,
        Runways = Geo.Runways.Zurich,
        LabelColors = DatasetInfo.Colors(("East", "#0072B2"), ("West", "#D55E00"), ("South", "#009E73"), ("Flyover", "#000000")),
        ExpectedCount = 1183,
        SequenceLength = 200,
    };

    /// <summary>All four, in the paper's order.</summary>
    public static IReadOnlyList<DatasetInfo> All { get; } = [Symbols, Eog, Aircraft, AircraftFlyover];

    /// <summary>Finds a dataset by name (case-insensitive; '_' and '-' are the same), or throws listing the names.</summary>
    public static DatasetInfo Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Registry.Find(All, d => d.Name, name.Replace('_', '-'), "dataset");
    }

    /// <summary>Loads a dataset by name from <paramref name="dataDirectory"/>.</summary>
    public static TimeSeriesDataset Load(string name, string dataDirectory) => Get(name).Load(dataDirectory);
}
