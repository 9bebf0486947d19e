using System.Globalization;

namespace Saliency.Notebook.Data.Geo;

/// <summary>One runway drawn from the threshold of one end to the threshold of the other, in degrees.</summary>
/// <param name="Name">The runway's two designators, e.g. <c>16/34</c>.</param>
/// <param name="LatitudeA">Latitude (°N) of the first designator's threshold.</param>
/// <param name="LongitudeA">Longitude (°E) of the first designator's threshold.</param>
/// <param name="LatitudeB">Latitude (°N) of the second designator's threshold.</param>
/// <param name="LongitudeB">Longitude (°E) of the second designator's threshold.</param>
public sealed record Runway(string Name, double LatitudeA, double LongitudeA, double LatitudeB, double LongitudeB);

/// <summary>
/// The runways of Zurich airport (LSZH), which the aircraft figures draw so that a reader sees where the flows land. They are
/// kept in the kit as a small committed file (<c>Data/Geo/lszh-runways.csv</c>, an embedded resource, its source named in
/// its header), so the figures need no network and no tile server.
/// </summary>
public static class Runways
{
    private const string ZurichResource = "Saliency.Notebook.lszh-runways.csv";

    /// <summary>LSZH's runways 10/28, 14/32 and 16/34.</summary>
    public static IReadOnlyList<Runway> Zurich { get; } = Read(ZurichResource);

    private static Runway[] Read(string resource)
    {
        using Stream stream = typeof(Runways).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The kit assembly has no embedded resource '{resource}' (see Saliency.Notebook.csproj).");
        using var reader = new StreamReader(stream);
        var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith('#')).ToArray();
        if (lines.Length == 0 || lines[0] != "runway,latitude_a,longitude_a,latitude_b,longitude_b")
            throw new DataFormatException(resource, "the header must be runway,latitude_a,longitude_a,latitude_b,longitude_b.");
        return lines.Skip(1).Select(line =>
        {
            string[] f = line.Split(',');
            if (f.Length != 5) throw new DataFormatException(resource, $"'{line}' has {f.Length} fields, 5 are needed.");
            double D(int i) => double.Parse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture);
            return new Runway(f[0], D(1), D(2), D(3), D(4));
        }).ToArray();
    }
}
