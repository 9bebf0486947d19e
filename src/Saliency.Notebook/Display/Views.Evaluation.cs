using System.Globalization;
using Saliency.Notebook.Evaluation;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Plots;

namespace Saliency.Notebook.Display;

/// <summary>Views of the evaluation of latent attributions: the table of methods × metrics and the deletion and insertion curves.</summary>
public static partial class Views
{
    /// <summary>
    /// The evaluation table (one row per method and the <c>random</c> row; each cell the estimate with its bootstrap interval) under a
    /// note that names the most faithful method by deletion AUC, whether its interval clears the runner-up's, and which methods beat
    /// <c>random</c>; then the mean deletion and insertion curves of every method.
    /// </summary>
    public static KitView Evaluation(EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var keys = result.MetricKeys;
        var better = EvaluationMetrics.All.ToDictionary(m => m.Key, m => m.HigherIsBetter);
        var table = new HtmlTable(new[] { "method" }.Concat(keys.Select(k => $"{k} ({(better[k] ? "↑" : "↓")})")).Append("seconds").ToArray(),
            result.Rows.Select(row => (IReadOnlyList<object?>)new object?[] { row.Method }
                .Concat(keys.Select(k => (object?)(row.Metrics.TryGetValue(k, out var e) && e is { } estimate ? estimate.ToString() : "—")))
                .Append(row.Seconds.ToString("F1", CultureInfo.InvariantCulture)).ToArray()).ToList(),
            caption: $"{result.Dataset}, target {result.Target}, {result.Samples} series; estimate [95 % bootstrap interval]");
        var view = new KitView($"Evaluation of the attributions of {result.Target}").Note(Verdict(result)).Add(table);
        var fractions = result.Curves.Where(c => c.Axis == AttributionAxis.Time).ToList();
        if (fractions.Count > 0)
        {
            double[] x = fractions[0].Fractions.ToArray();
            var deletion = Charts.Lines(x, fractions.Select(c => KeyValuePair.Create(c.Method, c.Deletion.ToArray())),
                $"Deletion: |Δ{result.Target}| as salient steps go (↑ better)", "fraction of steps removed", "normalised |Δ target|", width: 620, height: 400);
            var insertion = Charts.Lines(x, fractions.Select(c => KeyValuePair.Create(c.Method, c.Insertion.ToArray())),
                $"Insertion: |Δ{result.Target}| as salient steps return (↓ better)", "fraction of steps restored", "normalised |Δ target|", width: 620, height: 400);
            view.Add(Figure.FromChart(deletion, $"{result.Dataset}-deletion-curves")).Add(Figure.FromChart(insertion, $"{result.Dataset}-insertion-curves"));
        }
        return view;
    }

    /// <summary>
    /// Which method is most faithful by deletion AUC and how sure that is (its interval against the runner-up's), and which beat random,
    /// among the methods that remove time steps: a frequency-domain method removes frequency bins, so its AUCs are not comparable.
    /// </summary>
    private static string Verdict(EvaluationResult result)
    {
        string key = EvaluationMetrics.DeletionAuc;
        var frequency = result.Curves.Where(c => c.Axis == AttributionAxis.Frequency).Select(c => c.Method).ToHashSet(StringComparer.Ordinal);
        var scored = result.Rows.Where(r => r.Method != "random" && !frequency.Contains(r.Method) && r.Metrics.TryGetValue(key, out var e) && e is not null)
            .Select(r => (r.Method, Estimate: r.Metrics[key]!.Value)).OrderByDescending(r => r.Estimate.Value).ToList();
        if (scored.Count == 0) return "No method has a deletion AUC here.";
        var (best, estimate) = scored[0];
        string sure = scored.Count < 2 ? "" : estimate.Low > scored[1].Estimate.High
            ? $", and its 95 % interval lies above the runner-up's ({scored[1].Method})"
            : $", but its 95 % interval overlaps the runner-up's ({scored[1].Method}): the two are not told apart on these samples";
        MetricEstimate? random = result.Rows.FirstOrDefault(r => r.Method == "random")?.Metrics.GetValueOrDefault(key);
        string beat = random is { } chance
            ? $" Above random's interval ({chance.High.ToString("F3", CultureInfo.InvariantCulture)}): {string.Join(", ", scored.Where(s => s.Estimate.Low > chance.High).Select(s => s.Method).DefaultIfEmpty("none"))}."
            : "";
        string apart = frequency.Count == 0 ? "" : $" {string.Join(", ", frequency)} removes frequency bins, not time steps: its AUCs are on another axis and are not ranked with the others.";
        return string.Create(CultureInfo.InvariantCulture, $"Most faithful by deletion AUC among the methods over time steps: {best} ({estimate}){sure}.{beat}{apart}");
    }
}
