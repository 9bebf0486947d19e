namespace Saliency.Notebook.Data.Datasets;

/// <summary>What a reader gives back from one file: the series as (N, L, C) values, and what the file itself says about them.</summary>
/// <param name="Values">N × L × C float32 values in (sample, step, channel) order.</param>
/// <param name="Count">N.</param>
/// <param name="Length">L.</param>
/// <param name="Channels">C.</param>
/// <param name="Labels">One label per series when the file holds them (a label column, a .ts class); null when they come from a labels file.</param>
/// <param name="ChannelNames">Channel names the file gives (column names), or null.</param>
/// <param name="DeclaredClasses">Classes the file declares (a .ts <c>@classLabel</c> line), or null.</param>
/// <param name="Layout">How the values were found, in words (e.g. "wide CSV, 1 channel"), for the dataset's description.</param>
public sealed record SeriesArrays(float[] Values, int Count, int Length, int Channels, string[]? Labels,
    IReadOnlyList<string>? ChannelNames, IReadOnlyList<string>? DeclaredClasses, string Layout);

/// <summary>
/// Reads one file format into <see cref="SeriesArrays"/>. A reader checks what only the file can tell (parsing, ragged rows, missing
/// values, with the line or row and column); <see cref="TimeSeriesDataset"/> then checks what every source shares (finite values,
/// one label per series, classes) before anything is built, so a bad file never gives a half-loaded dataset.
/// </summary>
public interface ITimeSeriesReader
{
    /// <summary>The format's name (npy, csv, parquet, ts).</summary>
    string Format { get; }

    /// <summary>File extensions (with the dot, lower case) read by this reader.</summary>
    IReadOnlyList<string> Extensions { get; }

    /// <summary>Reads <paramref name="path"/>; throws a <see cref="DatasetException"/> naming the file and the row or column of a problem.</summary>
    SeriesArrays Read(string path, DataFileOptions options);
}
