using System.Globalization;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Plots;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Display;

/// <summary>The conversions every view shares: tensors to managed series and rows, fact tables and number formatting.</summary>
internal static class ViewData
{
    /// <summary>A two-column table of the facts that are known (null values left out; lists of names joined by commas).</summary>
    internal static HtmlTable FactTable(IReadOnlyList<(string Name, object? Value)> facts, string nameColumn = "property", string valueColumn = "value") =>
        new(new[] { nameColumn, valueColumn },
            facts.Where(f => f.Value != null).Select(f => (IReadOnlyList<object?>)new object?[] { f.Name, f.Value switch
            {
                double d => F(d),
                IEnumerable<string> names => string.Join(", ", names),   // e.g. a check's passing methods, not the list's type name
                var value => value,
            } }).ToList());

    /// <summary>A value as invariant text (doubles to 5 significant digits).</summary>
    internal static string Format(object? value) => value switch
    {
        null => "",
        double d => F(d),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>A number to 5 significant digits, or "unknown".</summary>
    internal static string F(double? value) => value is { } v ? v.ToString("G5", CultureInfo.InvariantCulture) : "unknown";

    /// <summary>"all N" or "n of N shown".</summary>
    internal static string Shown(int shown, int total) => shown == total ? $"all {total}" : $"{shown} of {total} shown";

    /// <summary>Lower-case letters and digits, the rest as dashes: a figure-name part.</summary>
    internal static string Slug(string text) => new string(text.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');

    /// <summary>Channel <paramref name="channel"/> of X (N, C, L) as N series.</summary>
    internal static double[][] Series(Tensor x, int channel)
    {
        using var scope = NewDisposeScope();
        return Rows(x.select(1, channel));
    }

    /// <summary>X (N, C ≥ 2, L) as N trajectories of L (channel 0, channel 1) points.</summary>
    internal static double[][][] Trajectories(Tensor x)
    {
        double[][] first = Series(x, 0), second = Series(x, 1);
        return first.Select((xs, i) => xs.Select((value, t) => new[] { value, second[i][t] }).ToArray()).ToArray();
    }

    /// <summary>
    /// X (N, C ≥ 2, L) of a dataset described by <paramref name="info"/> as trajectories in the units a reader reads: degrees of
    /// longitude and latitude when the dataset stores them scaled (<see cref="DatasetInfo.Degrees"/>), else the channels as stored.
    /// </summary>
    internal static double[][][] Trajectories(DatasetInfo info, Tensor x)
    {
        double[][][] trajectories = Trajectories(x);
        if (info.Degrees is not { } degrees) return trajectories;
        foreach (double[][] trajectory in trajectories)
            foreach (double[] point in trajectory)
            {
                point[0] = degrees.Longitude(point[0]);
                point[1] = degrees.Latitude(point[1]);
            }
        return trajectories;
    }

    /// <summary>A trajectory map's extent in the dataset's reading units (degrees where it has them; see <see cref="Trajectories(DatasetInfo, Tensor)"/>).</summary>
    internal static MapPanel InReadingUnits(DatasetInfo? info, MapPanel map) => info?.Degrees is { } d
        ? map with { X0 = d.Longitude(map.X0), X1 = d.Longitude(map.X1), Y0 = d.Latitude(map.Y0), Y1 = d.Latitude(map.Y1) }
        : map;

    /// <summary>
    /// The axes of a dataset's trajectory figures: for flights in degrees, an aspect that keeps distances true in the middle of
    /// the area (1/cos(latitude)) and the runways drawn from threshold to threshold, each named <c>runway 16/34</c>; null otherwise.
    /// </summary>
    internal static AxisFrame? Frame(DatasetInfo? info) => info?.Degrees is { } d
        ? new AxisFrame(d.LatitudeToLongitudeRatio, info.Runways.Select(r =>
            new ReferenceLine($"runway {r.Name}", new Polyline(new[] { r.LongitudeA, r.LongitudeB }, new[] { r.LatitudeA, r.LatitudeB }))).ToArray())
        : null;

    /// <summary>A 2-D tensor as rows of doubles.</summary>
    internal static double[][] Rows(Tensor matrix)
    {
        double[] flat = ToArray(matrix);
        int columns = (int)matrix.shape[1];
        return Enumerable.Range(0, (int)matrix.shape[0]).Select(r => flat.AsSpan(r * columns, columns).ToArray()).ToArray();
    }

    /// <summary>A tensor's values as doubles, in C order.</summary>
    internal static double[] ToArray(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.detach().cpu().to(ScalarType.Float64).contiguous().data<double>().ToArray();
    }
}
