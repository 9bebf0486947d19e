using System.Globalization;

namespace Saliency.Notebook.Data.Geo;

/// <summary>
/// How a trajectory dataset's two channels map back to degrees: the data hold longitude and latitude MinMax-scaled to
/// [−1, 1] (traffic's <c>MinMaxScaler((-1, 1))</c>, fitted per feature over every point of every flight), so
/// degrees = min + (scaled + 1) / 2 · (max − min) on each channel. The scaling is linear, so a map binned in scaled
/// coordinates is the same map in degrees with its edges mapped.
/// </summary>
/// <param name="LongitudeMin">Longitude (°E) at scaled −1.</param>
/// <param name="LongitudeMax">Longitude (°E) at scaled +1.</param>
/// <param name="LatitudeMin">Latitude (°N) at scaled −1.</param>
/// <param name="LatitudeMax">Latitude (°N) at scaled +1.</param>
public sealed record DegreeScaling(double LongitudeMin, double LongitudeMax, double LatitudeMin, double LatitudeMax)
{
    /// <summary>
    /// The aircraft data (positions.npy of data/aircraft): the ranges of zurich_2019.parquet that the scaler was fitted on,
    /// printed by the authors' aircraft/dataset_plot.ipynb cell 9.
    /// </summary>
    public static DegreeScaling Aircraft { get; } = new(7.589932955228366, 9.489511343149037, 46.81158033467955, 47.73014831542969);

    /// <summary>
    /// The flyover data (positions_flyover.npy): its own scaler, fitted on zurich_2019_flyover.parquet, whose ranges the
    /// authors never printed. Its 900 landings are the aircraft flights in the same order, each channel an exact linear map of
    /// the aircraft channel (residual 6e-8°, float32 rounding), so these ranges are the aircraft degrees fitted on them: the
    /// flyovers extend the area to the west and south; the landings hold the north-east corner, as in the aircraft data.
    /// </summary>
    public static DegreeScaling Flyover { get; } = new(7.383067096428966, 9.489511343121414, 46.70738015616512, 47.730148315455416);

    /// <summary>Longitude (°E) of a scaled channel-0 value.</summary>
    public double Longitude(double scaled) => LongitudeMin + (scaled + 1) / 2 * (LongitudeMax - LongitudeMin);

    /// <summary>Latitude (°N) of a scaled channel-1 value.</summary>
    public double Latitude(double scaled) => LatitudeMin + (scaled + 1) / 2 * (LatitudeMax - LatitudeMin);

    /// <summary>The middle latitude of the area (°N).</summary>
    public double MiddleLatitude => (LatitudeMin + LatitudeMax) / 2;

    /// <summary>
    /// How many times a degree of latitude is longer on the ground than a degree of longitude in the middle of the area,
    /// 1 / cos(latitude): a plot whose y axis spans this many pixels per degree for each pixel per degree of x keeps distances
    /// true (plotly's <c>scaleratio</c>; about 1.48 at Zurich).
    /// </summary>
    public double LatitudeToLongitudeRatio => 1 / Math.Cos(MiddleLatitude * Math.PI / 180);

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"longitude {LongitudeMin:F4}..{LongitudeMax:F4} °E, latitude {LatitudeMin:F4}..{LatitudeMax:F4} °N");
}
