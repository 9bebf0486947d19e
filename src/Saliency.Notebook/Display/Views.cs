using System.Globalization;

namespace Saliency.Notebook.Display;

/// <summary>
/// The notebook views of the kit's objects, each one <see cref="KitView"/> (tables and Plotly figures) so a notebook cell is one
/// call. Views only format results the analysis rooms computed. Split by what they show: the data, the model and its training
/// (Views.Data.cs); one sample's GradCAM, the latent PCA, the global maps, the kept/removed parts and the brushing tool
/// (Views.Maps.cs); sanity-check results and the closing summary (Views.Sanity.cs); the shared conversions are
/// <see cref="ViewData"/>. The figures follow the paper's (§3.2 of the method notes): YlOrRd maps with origin lower, black
/// curves underneath, shared colour range per component for time series, y inverted for the symbols, the label colours.
/// </summary>
public static partial class Views
{
    /// <summary>
    /// Curves drawn per label under a map or in a dataset plot (evenly spaced; the maps always come from every sample). At 60 the
    /// five figures of eog that draw its 990 series weigh 0.2–0.5 MB each and the executed notebook stays under 3 MB; the
    /// opacity is raised so that the ink where all curves overlap stays the paper's (see <see cref="CurveSample"/>).
    /// </summary>
    public const int DefaultMaxCurvesPerLabel = 60;

    /// <summary>The paper's curve opacities: series under maps .01, trajectories .05, the eog dataset plot .02, the aircraft one .01.</summary>
    private const double SeriesMapAlpha = 0.01, TrajectoryMapAlpha = 0.05, SeriesDatasetAlpha = 0.02, TrajectoryDatasetAlpha = 0.01;

    /// <summary>
    /// Evenly spaced samples of each label, at most <paramref name="maxPerLabel"/>, and the curve opacity that keeps the ink
    /// where all of a label's curves overlap: 1 − (1 − α)^(n / shown) for a label of n curves of which <c>shown</c> are drawn.
    /// </summary>
    public static (int[] Rows, double Alpha) CurveSample(IReadOnlyList<string> labels, int maxPerLabel, double alpha)
    {
        if (maxPerLabel < 1) throw new ArgumentOutOfRangeException(nameof(maxPerLabel), maxPerLabel, "At least one curve per label is needed.");
        var rows = new List<int>();
        double ratio = 1;
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]))
        {
            int[] members = group.ToArray();
            int shown = Math.Min(maxPerLabel, members.Length);
            rows.AddRange(Enumerable.Range(0, shown).Select(k => members[(int)((long)k * members.Length / shown)]));
            ratio = Math.Max(ratio, members.Length / (double)shown);
        }
        rows.Sort();
        return (rows.ToArray(), Math.Min(1, 1 - Math.Pow(1 - alpha, ratio)));
    }
}
