using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Saliency.Notebook.Plots;

namespace Saliency.Notebook.Display;

/// <summary>
/// A progress bar with live loss curves for long work (training, saliency over a dataset). It is an ordinary value:
/// display it, then forward <see cref="Changed"/> to the display's update, the same code in .NET Interactive
/// (live updates) and in the headless runner (the saved notebook holds the final state):
/// <code>
/// var progress = new ProgressView("Training", epochs);
/// var shown = display(progress);
/// progress.Changed += view => shown.Update(view);
/// </code>
/// The chart is inline SVG, so an update redraws without plotly.js.
/// </summary>
public sealed class ProgressView
{
    private readonly object _gate = new();
    private readonly Dictionary<string, List<double>> _curves = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _lastChange;

    /// <summary>A view of <paramref name="total"/> steps named <paramref name="title"/>.</summary>
    public ProgressView(string title, int total)
    {
        if (total <= 0) throw new ArgumentOutOfRangeException(nameof(total), total, "A progress view needs at least one step.");
        Title = title;
        Total = total;
    }

    /// <summary>Raised after a report, at most once per <see cref="MinUpdateInterval"/>, and always for the last step.</summary>
    public event Action<ProgressView>? Changed;

    /// <summary>What is being done.</summary>
    public string Title { get; }

    /// <summary>Number of steps in all.</summary>
    public int Total { get; }

    /// <summary>Steps done so far.</summary>
    public int Completed { get; private set; }

    /// <summary>Shortest time between two <see cref="Changed"/> events, so a notebook is not flooded with redraws.</summary>
    public TimeSpan MinUpdateInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Time since the view was created.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>The reported values of each metric, in report order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> Curves
    {
        get { lock (_gate) return _curves.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<double>)pair.Value.ToList()); }
    }

    /// <summary>Records that <paramref name="completed"/> steps are done and appends each metric's new value.</summary>
    public void Report(int completed, IReadOnlyDictionary<string, double>? metrics = null)
    {
        if (completed < 0 || completed > Total) throw new ArgumentOutOfRangeException(nameof(completed), completed, $"Steps done must be within 0..{Total}.");
        bool raise;
        lock (_gate)
        {
            Completed = completed;
            if (metrics != null)
                foreach ((string name, double value) in metrics)
                {
                    if (!_curves.TryGetValue(name, out List<double>? values)) _curves[name] = values = new List<double>();
                    values.Add(value);
                }
            TimeSpan now = _clock.Elapsed;
            raise = completed == Total || _lastChange == null || now - _lastChange >= MinUpdateInterval;
            if (raise) _lastChange = now;
        }
        if (raise) Changed?.Invoke(this);
    }

    /// <summary>Records one metric value with the step count.</summary>
    public void Report(int completed, string metric, double value) => Report(completed, new Dictionary<string, double> { [metric] = value });

    /// <summary>The bar and the curves as HTML (no script).</summary>
    public string ToHtml()
    {
        IReadOnlyDictionary<string, IReadOnlyList<double>> curves = Curves;
        double fraction = (double)Completed / Total;
        var html = new StringBuilder("<div class=\"saliency-progress\" style=\"font-family:sans-serif;font-size:13px;max-width:640px\">");
        html.Append("<div>").Append(WebUtility.HtmlEncode(ToString())).Append("</div>");
        html.Append(CultureInfo.InvariantCulture, $"<div style=\"background:#e5e5e5;height:12px;border-radius:3px;margin:4px 0\"><div style=\"background:#0072B2;height:12px;border-radius:3px;width:{fraction * 100:F1}%\"></div></div>");
        if (curves.Values.Any(values => values.Count > 0)) html.Append(CurvesSvg(curves));
        return html.Append("</div>").ToString();
    }

    /// <summary>One line: title, steps, percent, elapsed, estimated time left, last metric values.</summary>
    public override string ToString()
    {
        IReadOnlyDictionary<string, IReadOnlyList<double>> curves = Curves;
        TimeSpan elapsed = Elapsed;
        string left = Completed > 0 && Completed < Total ? $", about {Format(elapsed / Completed * (Total - Completed))} left" : "";
        string metrics = string.Concat(curves.Where(c => c.Value.Count > 0).Select(c => string.Create(CultureInfo.InvariantCulture, $", {c.Key} {c.Value[^1]:G5}")));
        return string.Create(CultureInfo.InvariantCulture, $"{Title}: {Completed}/{Total} ({100.0 * Completed / Total:F0}%), {Format(elapsed)} elapsed{left}{metrics}");
    }

    private static string Format(TimeSpan time) => time.TotalHours >= 1 ? time.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : time.ToString(@"m\:ss", CultureInfo.InvariantCulture);

    private static string CurvesSvg(IReadOnlyDictionary<string, IReadOnlyList<double>> curves)
    {
        const int width = 620, height = 200, left = 60, right = 10, top = 10, bottom = 25;
        var finite = curves.Values.SelectMany(values => values).Where(double.IsFinite).ToList();
        if (finite.Count == 0) return "";
        double min = finite.Min(), max = finite.Max();
        if (max - min < 1e-12) { min -= 0.5; max += 0.5; }
        int steps = Math.Max(2, curves.Values.Max(values => values.Count));
        IReadOnlyDictionary<string, string> colours = LabelColors.For(curves.Keys);
        var svg = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"<svg width=\"{width}\" height=\"{height}\" style=\"background:#fff\" xmlns=\"http://www.w3.org/2000/svg\">"));
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{top}\" width=\"{width - left - right}\" height=\"{height - top - bottom}\" fill=\"none\" stroke=\"#888\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 4}\" y=\"{top + 10}\" text-anchor=\"end\" font-size=\"11\">{max:G4}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 4}\" y=\"{height - bottom}\" text-anchor=\"end\" font-size=\"11\">{min:G4}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - right}\" y=\"{height - 8}\" text-anchor=\"end\" font-size=\"11\">report {steps}</text>");
        int legendY = top + 14;
        foreach ((string name, IReadOnlyList<double> values) in curves)
        {
            var points = values.Select((value, i) => (value, i)).Where(p => double.IsFinite(p.value)).Select(p => string.Create(CultureInfo.InvariantCulture,
                $"{left + (width - left - right) * p.i / (double)(steps - 1):F1},{height - bottom - (height - top - bottom) * (p.value - min) / (max - min):F1}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colours[name]}\" stroke-width=\"1.5\" points=\"{string.Join(' ', points)}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - right - 6}\" y=\"{legendY}\" text-anchor=\"end\" font-size=\"11\" fill=\"{colours[name]}\">{WebUtility.HtmlEncode(name)}</text>");
            legendY += 14;
        }
        return svg.Append("</svg>").ToString();
    }
}
