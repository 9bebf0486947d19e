using System.Text.Json;
using System.Text.Json.Nodes;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.GlobalMaps;
using Saliency.Notebook.Plots;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Display;

/// <summary>
/// The paper's brushing tool (§3.2.5) as ONE self-contained HTML output, no server: left, the series (or trajectories) per
/// class; middle, the PC1/PC2 scores (x reversed, box/lasso select); right, the global map of the selected samples per class.
/// The numbers come from the code that computes the kit's maps: every point's bin (<see cref="GlobalMapAccumulator.PointBins"/>,
/// on the whole data's ranges), the Gaussian filter's taps and read positions (<see cref="GaussianFilter.Plan"/>), the bin
/// centres and the colour scale (<see cref="Charts.YlOrRd"/>); the page (<c>brushing-tool.js</c>) only sums the selection into
/// those bins, applies those taps, scales and draws. Unlike the original, whose tool re-derived the ranges from each selection,
/// a selection's map keeps the whole data's ranges, so it reads on the same axes as the global map; the browser tests check a
/// selection's map against the kit's own map of the same samples. The page carries bytes, not text: each point's bin (one byte
/// a point for series on a grid of up to 255 bins) and its weight in 254 steps of the largest (<see cref="Dequantised"/>); the curves are drawn
/// through their points' bin centres, within half a bin of the data (on the default 200-bin grid, under a pixel), so the 990 eog
/// series cost 0.6 MB instead of 5.8.
/// </summary>
public static class BrushingTool
{
    /// <summary>A standalone page (plotly.js inline) for time series: scores (N,2), series (N,L), weights (N,L) such as |PC1 projection|, labels (N).</summary>
    public static string Html(double[][] scores, double[][] series, double[][] weights, IReadOnlyList<string> labels, BrushingOptions? options = null) =>
        Page(Create(scores, series, weights, labels, options), options);

    /// <summary>A standalone page (plotly.js inline) for trajectories: scores (N,2), trajectories (N,L,2), weights (N,L), labels (N).</summary>
    public static string Html(double[][] scores, double[][][] trajectories, double[][] weights, IReadOnlyList<string> labels, BrushingOptions? options = null) =>
        Page(Create(scores, trajectories, weights, labels, options), options);

    /// <summary>The tool for time series as a notebook figure (plotly.js comes with the notebook session).</summary>
    public static Figure Create(double[][] scores, double[][] series, double[][] weights, IReadOnlyList<string> labels, BrushingOptions? options = null)
    {
        Validate(scores, series.Length, weights, labels, series.Select(s => s.Length).ToArray());
        options ??= new BrushingOptions();
        var data = Common(scores, weights, labels, options, "series");
        AddBinning(data, series.Select(s => s.Select(v => new[] { v }).ToArray()).ToArray(), labels, timeSeries: true, options);
        return Build(data, labels, options);
    }

    /// <summary>The tool for trajectories as a notebook figure (plotly.js comes with the notebook session).</summary>
    public static Figure Create(double[][] scores, double[][][] trajectories, double[][] weights, IReadOnlyList<string> labels, BrushingOptions? options = null)
    {
        Validate(scores, trajectories.Length, weights, labels, trajectories.Select(t => t.Length).ToArray());
        if (trajectories.Any(t => t.Any(point => point.Length != 2)))
            throw new ArgumentException("Each trajectory point needs two coordinates (x, y).", nameof(trajectories));
        options ??= new BrushingOptions();
        var data = Common(scores, weights, labels, options, "trajectories");
        AddBinning(data, trajectories, labels, timeSeries: false, options);
        return Build(data, labels, options);
    }

    private static string Page(Figure figure, BrushingOptions? options) =>
        PlotlyHtml.Page((options ?? new BrushingOptions()).Title, new[] { figure }, PlotlyJsSource.Inline);

    private static void Validate(double[][] scores, int samples, double[][] weights, IReadOnlyList<string> labels, int[] lengths)
    {
        if (samples == 0) throw new ArgumentException("The brushing tool needs at least one sample.");
        if (scores.Length != samples || weights.Length != samples || labels.Count != samples)
            throw new ArgumentException($"scores ({scores.Length}), curves ({samples}), weights ({weights.Length}) and labels ({labels.Count}) must have one row per sample.");
        if (scores.Any(row => row.Length < 2)) throw new ArgumentException("Each score row needs PC1 and PC2.", nameof(scores));
        for (int i = 0; i < samples; i++)
            if (weights[i].Length != lengths[i] || lengths[i] != lengths[0])
                throw new ArgumentException($"Sample {i}: every curve and its weights must have the same length ({lengths[0]} steps).", nameof(weights));
    }

    private static JsonObject Common(double[][] scores, double[][] weights, IReadOnlyList<string> labels, BrushingOptions options, string kind)
    {
        if (options.GridSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "GridSize must be at least 1.");
        List<string> order = LabelOrder.Distinct(labels).ToList();
        IReadOnlyDictionary<string, string> colours = LabelColors.For(order);
        return new JsonObject
        {
            ["kind"] = kind,
            ["title"] = options.Title,
            ["labels"] = new JsonArray(labels.Select(label => (JsonNode)label).ToArray()),
            ["labelOrder"] = new JsonArray(order.Select(label => (JsonNode)label).ToArray()),
            ["colours"] = new JsonObject(order.Select(label => KeyValuePair.Create(label, (JsonNode?)colours[label]))),
            ["labelText"] = new JsonObject(order.Select(label => KeyValuePair.Create(label, (JsonNode?)LabelText.Display(label)))),
            ["scores"] = Rows(scores.Select(row => row[..2]).ToArray()),
            ["weights"] = Quantised(weights),
            ["grid"] = options.GridSize,
            ["sigma"] = options.Sigma,
            ["transparentBelow"] = options.TransparentBelow,
            ["curveAlpha"] = options.CurveAlpha,
            ["invertY"] = options.InvertY,
            ["weightName"] = options.WeightName,
            ["panelHeight"] = options.PanelHeight,
            ["columnWidth"] = options.ColumnWidth,
            ["xTitle"] = options.XTitle,
            ["yTitle"] = options.YTitle,
        };
    }

    /// <summary>
    /// The kit's binning of every point (the whole data's ranges, as the global maps), the filter's taps and read positions, the
    /// bin centres and ranges to draw on, the scaling and the colour scale: all the numbers the page needs besides the selection.
    /// </summary>
    private static void AddBinning(JsonObject data, double[][][] points, IReadOnlyList<string> labels, bool timeSeries, BrushingOptions options)
    {
        int n = points.Length, length = points[0].Length, channels = timeSeries ? 1 : 2;
        GlobalMapAccumulator binning;
        int[][] bins;
        using (NewDisposeScope())
        {
            var positions = tensor(points.SelectMany(p => p.SelectMany(q => q.Take(channels))).ToArray(), new long[] { n, length, channels }, dtype: ScalarType.Float64);
            binning = GlobalSaliencyMaps.Accumulate(positions, zeros(n, length, 1, dtype: ScalarType.Float64), labels, timeSeries, options.GridSize, options.Sigma);
            bins = binning.PointBins(positions);
        }
        var (taps, readX) = GaussianFilter.Plan(options.Sigma, binning.FirstBins);
        var (_, readY) = GaussianFilter.Plan(options.Sigma, binning.SecondBins);
        // Every point's bin as bytes: for series the time bin depends on the step alone, so it travels once per step and each
        // point carries only its value bin; a trajectory point carries its flat bin. The last value of the type means "no bin".
        if (timeSeries)
        {
            data["binX"] = new JsonArray(Enumerable.Range(0, length).Select(t => (JsonNode)bins.Select(row => row[t]).Where(b => b >= 0).Select(b => b / binning.SecondBins).DefaultIfEmpty(0).First()).ToArray());
            data["binY"] = Unsigned(bins.Select(row => row.Select(b => b < 0 ? -1 : b % binning.SecondBins).ToArray()).ToArray(), binning.SecondBins);
        }
        else data["bins"] = Unsigned(bins, binning.FirstBins * binning.SecondBins);
        data["nx"] = binning.FirstBins;
        data["ny"] = binning.SecondBins;
        data["filter"] = new JsonObject
        {
            ["taps"] = new JsonArray(taps.Select(t => (JsonNode)t).ToArray()),
            ["readX"] = new JsonArray(readX.Select(i => (JsonNode)i).ToArray()),
            ["readY"] = new JsonArray(readY.Select(i => (JsonNode)i).ToArray()),
        };
        data["scaling"] = binning.IsTimeSeries ? "minmax" : "max";
        data["xCentres"] = Centres(binning.FirstAxisEdges);
        data["yCentres"] = Centres(binning.SecondAxisEdges);
        data["xRange"] = new JsonArray(binning.FirstAxisEdges[0], binning.FirstAxisEdges[^1]);
        data["yRange"] = new JsonArray(binning.SecondAxisEdges[0], binning.SecondAxisEdges[^1]);
        data["colourscale"] = JsonSerializer.SerializeToNode(Charts.YlOrRd);
    }

    private static JsonArray Centres(double[] edges) =>
        new(Enumerable.Range(0, edges.Length - 1).Select(i => (JsonNode)((edges[i] + edges[i + 1]) / 2)).ToArray());

    /// <summary>
    /// Non-negative integers below <paramref name="count"/> (−1: none) as a base64 typed array the page decodes: bytes when
    /// <paramref name="count"/> ≤ 255, else uint16 (≤ 65,535), else int32; "none" is the type's largest value (int32: −1).
    /// </summary>
    private static JsonObject Unsigned(int[][] rows, int count)
    {
        string dtype = count <= byte.MaxValue ? "u1" : count <= ushort.MaxValue ? "u2" : "i4";
        int width = dtype == "u1" ? 1 : dtype == "u2" ? 2 : 4, none = dtype == "u1" ? byte.MaxValue : dtype == "u2" ? ushort.MaxValue : -1;
        int length = rows[0].Length;
        var bytes = new byte[rows.Length * length * width];
        for (int s = 0; s < rows.Length; s++)
            for (int t = 0; t < length; t++)
            {
                int value = rows[s][t] < 0 ? none : rows[s][t], at = (s * length + t) * width;
                if (width == 1) bytes[at] = (byte)value;
                else if (width == 2) System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)value);
                else System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), value);
            }
        return new JsonObject { ["dtype"] = dtype, ["bdata"] = Convert.ToBase64String(bytes), ["none"] = none };
    }

    /// <summary>How many steps <see cref="Quantised"/> divides [0, the largest |weight|] into: a byte a weight.</summary>
    public const int WeightLevels = byte.MaxValue - 1;

    /// <summary>
    /// The weights' magnitudes (the map averages |weight|) as byte levels of [0, max |weight|] (255: not a number), and the step:
    /// the page's value is level × step, within step / 2 (0.2 % of the largest weight) of the weight, so a selection's map, a mean
    /// of many of them drawn in 255 colour levels, looks the same. The kit's own maps use the exact weights; <see cref="Dequantised"/>
    /// gives the page's.
    /// </summary>
    private static JsonObject Quantised(double[][] weights)
    {
        double step = Step(weights);
        var levels = weights.Select(row => row.Select(w => double.IsFinite(w) ? (int)Math.Round(Math.Abs(w) / step) : -1).ToArray()).ToArray();
        JsonObject encoded = Unsigned(levels, WeightLevels + 1);
        encoded["step"] = step;
        return encoded;
    }

    private static double Step(double[][] weights)
    {
        double max = weights.SelectMany(row => row).Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        return max > 0 ? max / WeightLevels : 1;
    }

    /// <summary>The weights as the page holds them (|weight| rounded to one of <see cref="WeightLevels"/> steps of the largest; NaN kept): the page's maps are the kit's maps of these.</summary>
    public static double[][] Dequantised(double[][] weights)
    {
        double step = Step(weights);
        return weights.Select(row => row.Select(w => double.IsFinite(w) ? Math.Round(Math.Abs(w) / step) * step : double.NaN).ToArray()).ToArray();
    }

    /// <summary>Rows of numbers as JSON, in float precision (the page needs no more), NaN as null.</summary>
    private static JsonArray Rows(double[][] rows) =>
        new(rows.Select(row => (JsonNode)new JsonArray(row.Select(v => double.IsFinite(v) ? JsonValue.Create((float)v) : null).ToArray())).ToArray());

    private static Figure Build(JsonObject data, IReadOnlyList<string> labels, BrushingOptions options)
    {
        string id = "saliency-brushing-" + Guid.NewGuid().ToString("N");
        int panels = labels.Distinct().Count();
        int height = Math.Max(360, options.PanelHeight * panels + 90);
        int width = options.ColumnWidth * 3 + 40;
        // The default encoder writes <, > and & as \u escapes, so no label (e.g. "<!--<script>") can end or derail the data element.
        string json = data.ToJsonString();
        string body =
            $"<div id=\"{id}\" class=\"saliency-brushing\" style=\"font-family:sans-serif;font-size:13px;width:{width}px\">\n" +
            $"<div class=\"saliency-brushing-title\" style=\"font-size:16px;margin:4px 0\">{System.Net.WebUtility.HtmlEncode(options.Title)}</div>\n" +
            "<div class=\"saliency-brushing-status\" style=\"margin:2px 0 6px 0;color:#333\"></div>\n" +
            "<div style=\"display:flex;flex-direction:row;gap:10px;align-items:flex-start\">" +
            $"<div class=\"saliency-brushing-curves\" style=\"width:{options.ColumnWidth}px;height:{height}px\"></div>" +
            $"<div class=\"saliency-brushing-scores\" style=\"width:{options.ColumnWidth}px;height:{height}px\"></div>" +
            $"<div class=\"saliency-brushing-map\" style=\"width:{options.ColumnWidth}px;height:{height}px\"></div>" +
            "</div>\n" +
            $"<script type=\"application/json\" id=\"{id}-data\">{json}</script>\n" +
            "<script type=\"text/javascript\">" + Script.Value + $"\nSaliencyBrushing.mount('{id}');</script>\n</div>";
        return Figure.FromHtml("brushing-tool", body, width + 20, height + 70);
    }

    /// <summary>The page's code (<c>brushing-tool.js</c>, embedded in the kit): it draws, and sums a selection into the bins given here.</summary>
    private static readonly Lazy<string> Script = new(() =>
    {
        using Stream stream = typeof(BrushingTool).Assembly.GetManifestResourceStream(ScriptResource)
                              ?? throw new InvalidOperationException($"The kit was built without its {ScriptResource} resource.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    private const string ScriptResource = "Saliency.Notebook.brushing-tool.js";
}
