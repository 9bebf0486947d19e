using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Geo;
using TorchSharp;

namespace Saliency.Notebook.Tests.Data;

/// <summary>
/// The aircraft data back in degrees: the flyover file's own scaling agrees with the aircraft file's on the 900 landings both
/// hold, every flight lies around Zurich, and the runway file holds LSZH's three runways at the airport.
/// </summary>
public class DegreesTests
{
    [Fact]
    public void The_flyover_files_landings_are_the_aircraft_flights_in_degrees()
    {
        using TimeSeriesDataset aircraft = DatasetRegistry.Load("aircraft", TestData.DataDirectory);
        using TimeSeriesDataset flyover = DatasetRegistry.Load("aircraft-flyover", TestData.DataDirectory);
        Assert.Equal(aircraft.Labels, flyover.Labels.Skip(283));                       // rows 283.. are the aircraft flights, in order
        using var scope = torch.NewDisposeScope();
        double[] a = aircraft.X.to(torch.ScalarType.Float64).contiguous().data<double>().ToArray();
        double[] f = flyover.X[283..].to(torch.ScalarType.Float64).contiguous().data<double>().ToArray();
        int length = aircraft.L;
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            bool longitude = i / length % 2 == 0;                                     // (N, C, L): channel 0 longitude, 1 latitude
            double fromAircraft = longitude ? DegreeScaling.Aircraft.Longitude(a[i]) : DegreeScaling.Aircraft.Latitude(a[i]);
            double fromFlyover = longitude ? DegreeScaling.Flyover.Longitude(f[i]) : DegreeScaling.Flyover.Latitude(f[i]);
            worst = Math.Max(worst, Math.Abs(fromAircraft - fromFlyover));
        }
        Assert.True(worst < 1e-6, $"the two files place a landing point {worst}° apart");   // float32 storage: about 1e-7°
    }

    [Theory]
    [InlineData("aircraft")]
    [InlineData("aircraft-flyover")]
    public void Every_flight_lies_around_Zurich(string name)
    {
        DegreeScaling degrees = DatasetRegistry.Get(name).Degrees!;
        Assert.InRange(degrees.LongitudeMin, 7.3, 7.6);
        Assert.InRange(degrees.LongitudeMax, 9.4, 9.5);
        Assert.InRange(degrees.LatitudeMin, 46.7, 46.82);
        Assert.InRange(degrees.LatitudeMax, 47.72, 47.74);
        Assert.InRange(degrees.LatitudeToLongitudeRatio, 1 / Math.Cos(47.1 * Math.PI / 180), 1 / Math.Cos(47.4 * Math.PI / 180));
        Assert.Equal((degrees.LongitudeMin, degrees.LongitudeMax), (degrees.Longitude(-1), degrees.Longitude(1)));
        Assert.Equal((degrees.LatitudeMin, degrees.LatitudeMax), (degrees.Latitude(-1), degrees.Latitude(1)));
        Assert.Null(DatasetRegistry.Get("symbols").Degrees);
    }

    [Fact]
    public void The_runway_file_holds_LSZHs_three_runways_at_the_airport()
    {
        Assert.Equal(new[] { "10/28", "14/32", "16/34" }, Runways.Zurich.Select(r => r.Name));
        const double airportLatitude = 47.46472, airportLongitude = 8.54917;          // the aerodrome reference point, 47°27′53″N 8°32′57″E
        foreach (Runway runway in Runways.Zurich)
        {
            Assert.True(Kilometres(runway.LatitudeA, runway.LongitudeA, airportLatitude, airportLongitude) < 3, runway.Name);
            Assert.True(Kilometres(runway.LatitudeB, runway.LongitudeB, airportLatitude, airportLongitude) < 3, runway.Name);
            Assert.InRange(Kilometres(runway.LatitudeA, runway.LongitudeA, runway.LatitudeB, runway.LongitudeB), 2.4, 3.7);
        }
    }

    private static double Kilometres(double lat1, double lon1, double lat2, double lon2)
    {
        double Radians(double degrees) => degrees * Math.PI / 180;
        double h = Math.Pow(Math.Sin(Radians(lat2 - lat1) / 2), 2) + Math.Cos(Radians(lat1)) * Math.Cos(Radians(lat2)) * Math.Pow(Math.Sin(Radians(lon2 - lon1) / 2), 2);
        return 2 * 6371.0 * Math.Asin(Math.Sqrt(h));
    }
}
