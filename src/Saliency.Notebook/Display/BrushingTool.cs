using System.Text.Json.Nodes;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Plots;

namespace Saliency.Notebook.Display;

/// <summary>
/// The paper's brushing tool (§3.2.5) as ONE self-contained HTML output, no server: left, the series (or
/// trajectories) per class; middle, the PC1/PC2 scores (x reversed, box/lasso select); right, the global map of the
/// selected samples per class, recomputed in the page from the embedded per-point data with scipy's semantics exactly as the
/// kit's <c>GlobalMaps.BinnedStatistic2D</c> and <c>GlobalMaps.GaussianFilter</c> implement them (binned_statistic_2d mean with
/// scipy's rounded right-edge rule, empty bins 0, gaussian_filter mode reflect truncate 4, then normalisation); the browser
/// tests compare the page with those two classes.
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
        var data = Common(scores, weights, labels, options ?? new BrushingOptions(), "series");
        data["values"] = Rows(series);
        return Build(data, labels, options ?? new BrushingOptions());
    }

    /// <summary>The tool for trajectories as a notebook figure (plotly.js comes with the notebook session).</summary>
    public static Figure Create(double[][] scores, double[][][] trajectories, double[][] weights, IReadOnlyList<string> labels, BrushingOptions? options = null)
    {
        Validate(scores, trajectories.Length, weights, labels, trajectories.Select(t => t.Length).ToArray());
        if (trajectories.Any(t => t.Any(point => point.Length != 2)))
            throw new ArgumentException("Each trajectory point needs two coordinates (x, y).", nameof(trajectories));
        var data = Common(scores, weights, labels, options ?? new BrushingOptions(), "trajectories");
        data["xs"] = Rows(trajectories.Select(t => t.Select(p => p[0]).ToArray()).ToArray());
        data["ys"] = Rows(trajectories.Select(t => t.Select(p => p[1]).ToArray()).ToArray());
        return Build(data, labels, options ?? new BrushingOptions());
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
            ["weights"] = Rows(weights),
            ["grid"] = options.GridSize,
            ["sigma"] = options.Sigma,
            ["transparentBelow"] = options.TransparentBelow,
            ["curveAlpha"] = options.CurveAlpha,
            ["invertY"] = options.InvertY,
            ["weightName"] = options.WeightName,
            ["panelHeight"] = options.PanelHeight,
            ["columnWidth"] = options.ColumnWidth,
        };
    }

    /// <summary>Rows of numbers as JSON, in float precision (the page's maps need no more), NaN as null.</summary>
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
            "<script type=\"text/javascript\">" + Script + $"\nSaliencyBrushing.mount('{id}');</script>\n</div>";
        return Figure.FromHtml("brushing-tool", body, width + 20, height + 70);
    }

    /// <summary>
    /// The page's code: the scipy-compatible binning and filtering (window.SaliencyBrushing, defined once per page)
    /// and the three linked plots of one tool instance.
    /// </summary>
    private const string Script = """
(function () {
  if (window.SaliencyBrushing) return;
  var B = window.SaliencyBrushing = {};
  // numpy.linspace(lo, hi, n + 1): start + i * step, last edge exactly hi.
  B.edges = function (lo, hi, n) {
    var step = (hi - lo) / n, e = new Float64Array(n + 1);
    for (var i = 0; i < n; i++) e[i] = i * step + lo;
    e[n] = hi;
    return e;
  };
  // numpy.around(v, d): scaled by 10^d (or divided by 10^-d), rounded half to even (rint), scaled back.
  function rint(v) { var f = Math.floor(v), r = v - f; return r > 0.5 ? f + 1 : r < 0.5 ? f : (f % 2 === 0 ? f : f + 1); }
  B.around = function (v, d) {
    if (d >= 0) { var s = Math.pow(10, d); return rint(v * s) / s; }
    var f = Math.pow(10, -d); return rint(v / f) * f;
  };
  // scipy.stats.binned_statistic_2d, as BinnedStatistic2D.BinIndex: numpy.digitize (bins [e[i], e[i+1])), then a value >= the
  // last edge goes in the last bin when it rounds onto that edge at int(-log10(min bin width)) + 6 decimals; outside or NaN -> -1.
  B.binIndex = function (e, v) {
    var n = e.length - 1;
    if (v !== v) return -1;
    if (v >= e[n]) {
      var width = Infinity;
      for (var i = 0; i < n; i++) width = Math.min(width, e[i + 1] - e[i]);
      var d = Math.trunc(-Math.log10(width)) + 6;
      return B.around(v, d) === B.around(e[n], d) ? n - 1 : -1;
    }
    if (v < e[0]) return -1;
    var lo = 0, hi = n;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (e[mid] <= v) lo = mid; else hi = mid; }
    return lo;
  };
  // A degenerate range is widened by 0.5 on each side, as numpy does for histograms.
  B.range = function (lo, hi) { return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5]; };
  // Mean of the weights per bin, flat [i * ny + j]; empty bins (and NaN means) are 0, as nan_to_num after the statistic.
  B.binnedMean2d = function (xs, ys, ws, nx, ny, xlo, xhi, ylo, yhi) {
    var ex = B.edges(xlo, xhi, nx), ey = B.edges(ylo, yhi, ny);
    var sum = new Float64Array(nx * ny), count = new Float64Array(nx * ny);
    for (var k = 0; k < xs.length; k++) {
      var i = B.binIndex(ex, xs[k]), j = B.binIndex(ey, ys[k]);
      if (i < 0 || j < 0) continue;
      sum[i * ny + j] += ws[k];
      count[i * ny + j] += 1;
    }
    for (var b = 0; b < sum.length; b++) {
      var m = count[b] > 0 ? sum[b] / count[b] : 0;
      sum[b] = m === m ? m : 0;
    }
    return sum;
  };
  // scipy.ndimage._gaussian_kernel1d: radius int(truncate * sigma + 0.5), exp(-0.5 / sigma^2 * x^2), normalised.
  B.kernel = function (sigma, truncate) {
    var r = Math.floor(truncate * sigma + 0.5), k = new Float64Array(2 * r + 1), s = 0, s2 = sigma * sigma;
    for (var x = -r; x <= r; x++) { k[x + r] = Math.exp((-0.5 / s2) * (x * x)); s += k[x + r]; }
    for (var i = 0; i < k.length; i++) k[i] /= s;
    return k;
  };
  // mode 'reflect' = half-sample symmetric: d c b a | a b c d | d c b a.
  B.reflect = function (k, n) { var p = 2 * n, m = ((k % p) + p) % p; return m >= n ? p - 1 - m : m; };
  // scipy.ndimage.gaussian_filter on a flat nx x ny array: axis 0, then axis 1.
  B.gaussianFilter2d = function (h, nx, ny, sigma, truncate) {
    if (!(sigma > 0)) return Float64Array.from(h);
    var k = B.kernel(sigma, truncate === undefined ? 4 : truncate), r = (k.length - 1) / 2;
    var tmp = new Float64Array(nx * ny), out = new Float64Array(nx * ny), i, j, t, s;
    for (i = 0; i < nx; i++) for (j = 0; j < ny; j++) {
      for (s = 0, t = -r; t <= r; t++) s += k[t + r] * h[B.reflect(i + t, nx) * ny + j];
      tmp[i * ny + j] = s;
    }
    for (i = 0; i < nx; i++) for (j = 0; j < ny; j++) {
      for (s = 0, t = -r; t <= r; t++) s += k[t + r] * tmp[i * ny + B.reflect(j + t, ny)];
      out[i * ny + j] = s;
    }
    return out;
  };
  // Time series: (h - min) / max(1e-8, max - min).
  B.normalizeMinMax = function (h) {
    var mn = Infinity, mx = -Infinity, i;
    for (i = 0; i < h.length; i++) { if (h[i] < mn) mn = h[i]; if (h[i] > mx) mx = h[i]; }
    var d = Math.max(1e-8, mx - mn), out = new Float64Array(h.length);
    for (i = 0; i < h.length; i++) out[i] = (h[i] - mn) / d;
    return out;
  };
  // Trajectories: h / max when max > 0 (the paper's trajectory version does not subtract the min).
  B.normalizeMax = function (h) {
    var mx = -Infinity, i, out = Float64Array.from(h);
    for (i = 0; i < h.length; i++) if (h[i] > mx) mx = h[i];
    if (mx > 0) for (i = 0; i < h.length; i++) out[i] = h[i] / mx;
    return out;
  };
  // The whole pipeline for one map: bin, filter, normalise.
  B.globalMap = function (xs, ys, ws, nx, ny, xr, yr, sigma, normalise) {
    var h = B.gaussianFilter2d(B.binnedMean2d(xs, ys, ws, nx, ny, xr[0], xr[1], yr[0], yr[1]), nx, ny, sigma, 4);
    return normalise === 'max' ? B.normalizeMax(h) : B.normalizeMinMax(h);
  };
  function rgba(hex, a) {
    return 'rgba(' + parseInt(hex.substr(1, 2), 16) + ',' + parseInt(hex.substr(3, 2), 16) + ',' + parseInt(hex.substr(5, 2), 16) + ',' + a + ')';
  }
  var YlOrRd = ['#ffffcc', '#ffeda0', '#fed976', '#feb24c', '#fd8d3c', '#fc4e2a', '#e31a1c', '#bd0026', '#800026'].map(function (c, i) { return [i / 8, c]; });
  function grid(rows, yReversed) {
    var layout = { margin: { l: 45, r: 10, t: 30, b: 35 }, showlegend: false, paper_bgcolor: '#fff', plot_bgcolor: '#fff', annotations: [] };
    for (var r = 0; r < rows; r++) {
      var s = r === 0 ? '' : String(r + 1), top = 1 - r / rows - 0.04, bottom = 1 - (r + 1) / rows + 0.04;
      layout['xaxis' + s] = { domain: [0, 1], anchor: 'y' + s, showline: true, mirror: true, linecolor: '#444', zeroline: false };
      layout['yaxis' + s] = { domain: [bottom, top], anchor: 'x' + s, showline: true, mirror: true, linecolor: '#444', zeroline: false, autorange: yReversed ? 'reversed' : true };
    }
    return layout;
  }
  function axisIds(r) { return r === 0 ? ['x', 'y'] : ['x' + (r + 1), 'y' + (r + 1)]; }
  function title(layout, r, rows, text) {
    layout.annotations.push({ text: text, x: 0.5, y: 1 - r / rows - 0.04, xref: 'paper', yref: 'paper', xanchor: 'center', yanchor: 'bottom', showarrow: false });
  }
  // Curves of the given samples as one trace, NaN-separated (fast to draw).
  function curves(d, indices, colour, axes) {
    var x = [], y = [];
    indices.forEach(function (n) {
      var cx = d.kind === 'series' ? d.steps : d.xs[n], cy = d.kind === 'series' ? d.values[n] : d.ys[n];
      for (var t = 0; t < cy.length; t++) { x.push(cx[t]); y.push(cy[t]); }
      x.push(null); y.push(null);
    });
    return { type: 'scatter', mode: 'lines', x: x, y: y, xaxis: axes[0], yaxis: axes[1], hoverinfo: 'skip', line: { color: colour, width: 1 } };
  }
  function nanify(rows) { return rows.map(function (row) { return row.map(function (v) { return v === null ? NaN : v; }); }); }
  B.mount = function (id) {
    var root = document.getElementById(id);
    var d = JSON.parse(document.getElementById(id + '-data').textContent);
    d.weights = nanify(d.weights);
    if (d.kind === 'series') { d.values = nanify(d.values); } else { d.xs = nanify(d.xs); d.ys = nanify(d.ys); }
    var n = d.labels.length, length = d.weights[0].length, rows = d.labelOrder.length;
    d.steps = []; for (var t = 0; t < length; t++) d.steps.push(t);
    var byLabel = {}; d.labelOrder.forEach(function (l) { byLabel[l] = []; });
    d.labels.forEach(function (l, i) { byLabel[l].push(i); });
    var status = root.querySelector('.saliency-brushing-status');
    var left = root.querySelector('.saliency-brushing-curves'), middle = root.querySelector('.saliency-brushing-scores'), right = root.querySelector('.saliency-brushing-map');
    if (typeof Plotly === 'undefined') { status.textContent = 'plotly.js is not loaded in this page: re-run the cell that references Saliency.Notebook.'; return; }

    var leftLayout = grid(rows, d.invertY), leftBase = [];
    d.labelOrder.forEach(function (l, r) {
      var colour = d.kind === 'series' ? '#000000' : d.colours[l];
      leftBase.push(curves(d, byLabel[l], rgba(colour, d.curveAlpha), axisIds(r)));
      title(leftLayout, r, rows, 'label ' + d.labelText[l] + ' (' + byLabel[l].length + ')');
    });
    Plotly.newPlot(left, leftBase, leftLayout, { displaylogo: false, responsive: true });

    var scatter = d.labelOrder.map(function (l) {
      var idx = byLabel[l];
      return { type: 'scatter', mode: 'markers', name: d.labelText[l], customdata: idx, x: idx.map(function (i) { return d.scores[i][0]; }), y: idx.map(function (i) { return d.scores[i][1]; }),
               marker: { color: d.colours[l], size: 5, opacity: 0.8 }, selected: { marker: { opacity: 1 } }, unselected: { marker: { opacity: 0.15 } } };
    });
    Plotly.newPlot(middle, scatter, {
      margin: { l: 50, r: 10, t: 60, b: 45 }, dragmode: 'select', paper_bgcolor: '#fff', plot_bgcolor: '#fff',
      xaxis: { title: { text: 'PC1' }, autorange: 'reversed', showline: true, mirror: true, linecolor: '#444', zeroline: false },
      yaxis: { title: { text: 'PC2' }, showline: true, mirror: true, linecolor: '#444', zeroline: false },
      legend: { orientation: 'h', y: -0.12 }, title: { text: 'latent PCA scores: drag to select', font: { size: 13 }, x: 0.01, xanchor: 'left' }
    }, { displaylogo: false, responsive: true });

    function update(selection) {
      var selected = selection && selection.length ? selection.slice().sort(function (a, b) { return a - b; }) : d.labels.map(function (_, i) { return i; });
      // Ranges from the selection, as the original recomputes them on the selected positions.
      var xr, yr, lo = Infinity, hi = -Infinity, xlo = Infinity, xhi = -Infinity;
      selected.forEach(function (i) {
        var ys = d.kind === 'series' ? d.values[i] : d.ys[i];
        for (var t = 0; t < length; t++) {
          if (ys[t] < lo) lo = ys[t]; if (ys[t] > hi) hi = ys[t];
          if (d.kind !== 'series') { if (d.xs[i][t] < xlo) xlo = d.xs[i][t]; if (d.xs[i][t] > xhi) xhi = d.xs[i][t]; }
        }
      });
      var nx = d.kind === 'series' ? length : d.grid, ny = d.grid;
      xr = d.kind === 'series' ? [0, length] : B.range(xlo, xhi);
      yr = B.range(lo, hi);
      var traces = [], layout = grid(rows, d.invertY), maps = {};
      var xc = [], yc = [];
      for (var i = 0; i < nx; i++) xc.push(xr[0] + (i + 0.5) * (xr[1] - xr[0]) / nx);
      for (var j = 0; j < ny; j++) yc.push(yr[0] + (j + 0.5) * (yr[1] - yr[0]) / ny);
      d.labelOrder.forEach(function (l, r) {
        var mine = selected.filter(function (i) { return d.labels[i] === l; }), axes = axisIds(r);
        var xs = [], ys = [], ws = [];
        mine.forEach(function (s) {
          for (var t = 0; t < length; t++) {
            xs.push(d.kind === 'series' ? t : d.xs[s][t]); ys.push(d.kind === 'series' ? d.values[s][t] : d.ys[s][t]); ws.push(d.weights[s][t]);
          }
        });
        var h = mine.length ? B.globalMap(xs, ys, ws, nx, ny, xr, yr, d.sigma, d.kind === 'series' ? 'minmax' : 'max') : new Float64Array(nx * ny);
        maps[l] = h;
        var z = [];
        for (var jj = 0; jj < ny; jj++) {
          var row = new Array(nx);
          for (var ii = 0; ii < nx; ii++) { var v = h[ii * ny + jj]; row[ii] = v < d.transparentBelow ? null : v; }
          z.push(row);
        }
        traces.push(curves(d, mine, rgba('#000000', d.curveAlpha), axes));
        traces.push({ type: 'heatmap', x: xc, y: yc, z: z, xaxis: axes[0], yaxis: axes[1], colorscale: YlOrRd, zmin: 0, zmax: 1, opacity: 0.9,
                      showscale: r === 0, colorbar: { len: 0.9 / rows, y: 1 - 0.5 / rows, thickness: 10 }, hoverongaps: false });
        layout['xaxis' + (r === 0 ? '' : r + 1)].range = xr;
        var yAxis = layout['yaxis' + (r === 0 ? '' : r + 1)];
        yAxis.range = d.invertY ? [yr[1], yr[0]] : yr;
        yAxis.autorange = false;
        title(layout, r, rows, 'label ' + d.labelText[l] + ': ' + mine.length + ' selected, ' + d.weightName);
      });
      Plotly.react(right, traces, layout, { displaylogo: false, responsive: true });
      var highlight = leftBase.slice();
      if (selection && selection.length)
        d.labelOrder.forEach(function (l, r) {
          highlight.push(curves(d, selected.filter(function (i) { return d.labels[i] === l; }), rgba(d.colours[l], 0.6), axisIds(r)));
        });
      Plotly.react(left, highlight, leftLayout, { displaylogo: false, responsive: true });
      status.textContent = (selection && selection.length ? selected.length : 'all ' + n) + ' of ' + n + ' samples selected; map grid ' + nx + ' x ' + ny + ', sigma ' + d.sigma +
        ', range ' + (d.kind === 'series' ? 'value' : 'x') + ' ' + (d.kind === 'series' ? yr : xr).map(function (v) { return v.toPrecision(3); }).join(' to ');
      root.saliencyState = { selected: selected.length, maps: maps, xRange: xr, yRange: yr };
    }
    middle.on('plotly_selected', function (ev) { update(ev && ev.points ? ev.points.map(function (p) { return p.customdata; }) : null); });
    middle.on('plotly_deselect', function () { update(null); });
    update(null);
  };
})();
""";
}
