using Saliency.Notebook.Data.Npy;

namespace Saliency.Notebook.Data.Datasets.Readers;

/// <summary>A float .npy of shape (N, L, C), or (N, L) for one channel, as numpy writes with <c>np.save</c>; the labels come from a
/// separate file (<see cref="DataFileOptions.LabelsPath"/>). The paper's four datasets are read by this reader too.</summary>
public sealed class NpyTimeSeriesReader : ITimeSeriesReader
{
    /// <inheritdoc/>
    public string Format => "npy";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".npy"];

    /// <inheritdoc/>
    public SeriesArrays Read(string path, DataFileOptions options)
    {
        NpyArray positions = NpyReader.Read(path);
        if (positions.Rank is not (2 or 3) || positions.DType.Kind is not (NpyKind.Float32 or NpyKind.Float64))
            throw new DatasetException(path, $"expected a float (N, L, C) or (N, L) array, got {positions.Descr} {positions.ShapeText}");
        int n = checked((int)positions.Shape[0]), l = checked((int)positions.Shape[1]);
        int c = positions.Rank == 3 ? checked((int)positions.Shape[2]) : 1;
        return new SeriesArrays(positions.ToSingleArray(), n, l, c, null, null, null, $"{positions.Descr} array {positions.ShapeText}");
    }
}
