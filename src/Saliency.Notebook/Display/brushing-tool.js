// The brushing tool of Saliency.Notebook (paper §3.2.5): three linked plotly.js plots and the global map of a selection.
// The numbers come from the kit's C# code (BrushingTool.cs, GlobalMaps/): every point's bin under the whole data's ranges
// (the binning of GlobalMapAccumulator), the Gaussian filter's taps and its 'reflect' read positions (GaussianFilter), the
// bin centres and the colour scale (Charts.YlOrRd). This file only sums the selected samples' weights into those bins,
// applies those taps, scales the map as the kit does and draws.
(function () {
  if (window.SaliencyBrushing) return;
  var B = window.SaliencyBrushing = {};

  // A typed array the kit wrote as base64 ({dtype: u1 | u2 | i4, bdata}), little-endian as every browser is.
  B.decode = function (a) {
    var text = atob(a.bdata), bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return a.dtype === 'u1' ? bytes : a.dtype === 'u2' ? new Uint16Array(bytes.buffer) : new Int32Array(bytes.buffer);
  };
  // Every point's flat bin (i * ny + j, −1: none) and weight (level × step, NaN: none), flat [sample * length + step].
  B.unpack = function (d) {
    var n = d.labels.length, w = B.decode(d.weights), size = w.length, length = size / n, bins = new Int32Array(size), weights = new Float64Array(size), k;
    for (k = 0; k < size; k++) weights[k] = w[k] === d.weights.none ? NaN : w[k] * d.weights.step;
    if (d.kind === 'series') {
      var binY = B.decode(d.binY);
      for (k = 0; k < size; k++) bins[k] = binY[k] === d.binY.none ? -1 : d.binX[k % length] * d.ny + binY[k];
    } else {
      var flat = B.decode(d.bins);
      for (k = 0; k < size; k++) bins[k] = flat[k] === d.bins.none ? -1 : flat[k];
    }
    d.length = length; d.pointBins = bins; d.pointWeights = weights;
  };
  // Mean weight per bin of the selected samples, flat [i * ny + j]; empty bins 0 (the kit's mean: sum / count, in sample order).
  B.binnedMean = function (d, selected) {
    var sum = new Float64Array(d.nx * d.ny), count = new Float64Array(d.nx * d.ny), L = d.length;
    selected.forEach(function (s) {
      for (var t = 0, k = s * L; t < L; t++, k++) {
        var b = d.pointBins[k];
        if (b < 0) continue;
        sum[b] += d.pointWeights[k];
        count[b] += 1;
      }
    });
    for (var b = 0; b < sum.length; b++) sum[b] = count[b] > 0 ? sum[b] / count[b] : 0;
    return sum;
  };
  // The kit's separable filter: taps[k] times the value at read[i * taps.length + k], along axis 0, then axis 1.
  B.filter = function (h, d) {
    var taps = d.filter.taps, m = taps.length, nx = d.nx, ny = d.ny, i, j, k, s;
    if (m === 0) return Float64Array.from(h);
    var tmp = new Float64Array(nx * ny), out = new Float64Array(nx * ny);
    for (j = 0; j < ny; j++) for (i = 0; i < nx; i++) {
      for (s = 0, k = 0; k < m; k++) s += taps[k] * h[d.filter.readX[i * m + k] * ny + j];
      tmp[i * ny + j] = s;
    }
    for (i = 0; i < nx; i++) for (j = 0; j < ny; j++) {
      for (s = 0, k = 0; k < m; k++) s += taps[k] * tmp[i * ny + d.filter.readY[j * m + k]];
      out[i * ny + j] = s;
    }
    return out;
  };
  // The kit's scaling: (h − min) / max(1e−8, max − min) for time series, h / max (when max > 0) for trajectories.
  B.scale = function (h, mode) {
    var mn = Infinity, mx = -Infinity, i, out = Float64Array.from(h);
    for (i = 0; i < h.length; i++) { if (h[i] < mn) mn = h[i]; if (h[i] > mx) mx = h[i]; }
    if (mode === 'minmax') { var span = Math.max(1e-8, mx - mn); for (i = 0; i < h.length; i++) out[i] = (h[i] - mn) / span; }
    else if (mx > 0) for (i = 0; i < h.length; i++) out[i] = h[i] / mx;
    return out;
  };
  B.globalMap = function (d, selected) { return B.scale(B.filter(B.binnedMean(d, selected), d), d.scaling); };

  function rgba(hex, a) {
    return 'rgba(' + parseInt(hex.substr(1, 2), 16) + ',' + parseInt(hex.substr(3, 2), 16) + ',' + parseInt(hex.substr(5, 2), 16) + ',' + a + ')';
  }
  // One panel per label, stacked; the x axis titled under the last panel, every y axis titled (with units).
  function grid(rows, yReversed, d) {
    var layout = { margin: { l: 60, r: 10, t: 30, b: 45 }, showlegend: false, paper_bgcolor: '#fff', plot_bgcolor: '#fff', annotations: [] };
    for (var r = 0; r < rows; r++) {
      var s = r === 0 ? '' : String(r + 1), top = 1 - r / rows - 0.04, bottom = 1 - (r + 1) / rows + 0.06;
      layout['xaxis' + s] = { domain: [0, 1], anchor: 'y' + s, showline: true, mirror: true, linecolor: '#444', zeroline: false,
                              title: { text: r === rows - 1 ? d.xTitle : '', standoff: 4 } };
      layout['yaxis' + s] = { domain: [bottom, top], anchor: 'x' + s, showline: true, mirror: true, linecolor: '#444', zeroline: false, autorange: yReversed ? 'reversed' : true,
                              title: { text: d.yTitle, standoff: 4 } };
    }
    return layout;
  }
  function axisIds(r) { return r === 0 ? ['x', 'y'] : ['x' + (r + 1), 'y' + (r + 1)]; }
  function title(layout, r, rows, text) {
    layout.annotations.push({ text: text, x: 0.5, y: 1 - r / rows - 0.04, xref: 'paper', yref: 'paper', xanchor: 'center', yanchor: 'bottom', showarrow: false });
  }
  // Curves of the given samples as one trace, NaN-separated (fast to draw), through their points' bin centres (x: the step for series).
  function curves(d, indices, colour, axes) {
    var x = [], y = [], L = d.length;
    indices.forEach(function (n) {
      for (var t = 0, k = n * L; t < L; t++, k++) {
        var b = d.pointBins[k];
        if (b < 0) { x.push(null); y.push(null); continue; }
        x.push(d.kind === 'series' ? t : d.xCentres[Math.floor(b / d.ny)]);
        y.push(d.yCentres[b % d.ny]);
      }
      x.push(null); y.push(null);
    });
    return { type: 'scatter', mode: 'lines', x: x, y: y, xaxis: axes[0], yaxis: axes[1], hoverinfo: 'skip', line: { color: colour, width: 1 } };
  }

  // plotly.js loaded by a script tag may arrive after this script runs (a front end that loads <script src> asynchronously):
  // wait for it up to 20 s; the static image a runner put in the tool (img.saliency-static) stays until the tool draws.
  B.mount = function (id, tries) {
    var root = document.getElementById(id);
    if (typeof Plotly === 'undefined' && (tries || 0) < 200) { setTimeout(function () { B.mount(id, (tries || 0) + 1); }, 100); return; }
    var still = root.querySelector('img.saliency-static');
    if (still && typeof Plotly !== 'undefined') still.remove();
    var d = JSON.parse(document.getElementById(id + '-data').textContent);
    B.unpack(d);
    var n = d.labels.length, rows = d.labelOrder.length;
    var byLabel = {}; d.labelOrder.forEach(function (l) { byLabel[l] = []; });
    d.labels.forEach(function (l, i) { byLabel[l].push(i); });
    var status = root.querySelector('.saliency-brushing-status');
    var left = root.querySelector('.saliency-brushing-curves'), middle = root.querySelector('.saliency-brushing-scores'), right = root.querySelector('.saliency-brushing-map');
    if (typeof Plotly === 'undefined') { if (!still) status.textContent = 'plotly.js is not loaded in this page: re-run the cell that references Saliency.Notebook.'; return; }

    var leftLayout = grid(rows, d.invertY, d), leftBase = [];
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
      var traces = [], layout = grid(rows, d.invertY, d), maps = {};
      d.labelOrder.forEach(function (l, r) {
        var mine = selected.filter(function (i) { return d.labels[i] === l; }), axes = axisIds(r);
        var h = mine.length ? B.globalMap(d, mine) : new Float64Array(d.nx * d.ny);
        maps[l] = h;
        var z = [];
        for (var jj = 0; jj < d.ny; jj++) {
          var row = new Array(d.nx);
          for (var ii = 0; ii < d.nx; ii++) { var v = h[ii * d.ny + jj]; row[ii] = v < d.transparentBelow ? null : v; }
          z.push(row);
        }
        traces.push(curves(d, mine, rgba('#000000', d.curveAlpha), axes));
        traces.push({ type: 'heatmap', x: d.xCentres, y: d.yCentres, z: z, xaxis: axes[0], yaxis: axes[1], colorscale: d.colourscale, zmin: 0, zmax: 1, opacity: 0.9,
                      showscale: r === 0, colorbar: { len: 0.9 / rows, y: 1 - 0.5 / rows, thickness: 10 }, hoverongaps: false });
        layout['xaxis' + (r === 0 ? '' : r + 1)].range = d.xRange;
        var yAxis = layout['yaxis' + (r === 0 ? '' : r + 1)];
        yAxis.range = d.invertY ? [d.yRange[1], d.yRange[0]] : d.yRange;
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
      status.textContent = (selection && selection.length ? selected.length : 'all ' + n) + ' of ' + n + ' samples selected; map grid ' + d.nx + ' x ' + d.ny +
        ', sigma ' + d.sigma + ' bins, on the whole data\'s ranges';
      root.saliencyState = { selected: selected.length, maps: maps };
    }
    middle.on('plotly_selected', function (ev) { update(ev && ev.points ? ev.points.map(function (p) { return p.customdata; }) : null); });
    middle.on('plotly_deselect', function () { update(null); });
    update(null);
  };
})();
