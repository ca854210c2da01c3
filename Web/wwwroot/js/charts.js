// Chart glue between Blazor (JS interop) and uPlot. One chart per container element; re-drawing replaces it.
(function () {
  const charts = new WeakMap();
  const tzOf = zone => zone === "CET" ? "Europe/Paris" : "Etc/UTC";
  const fmt = (v, digits) => v == null ? "" : v.toLocaleString("en-GB", { maximumFractionDigits: digits });

  function mount(el, opts, data) {
    const old = charts.get(el);
    if (old) old.destroy();
    el.replaceChildren();
    const chart = new uPlot(opts, data, el);
    charts.set(el, chart);
    return chart;
  }

  const two = n => String(n).padStart(2, "0");
  // 24-hour "dd.MM HH:mm" in the chosen zone (uPlot's defaults are 12-hour, locale-dependent).
  const stamp = d => `${two(d.getDate())}.${two(d.getMonth() + 1)} ${two(d.getHours())}:${two(d.getMinutes())}`;

  function width(el) { return Math.max(320, el.clientWidth || 800); }

  const series = new WeakMap(); // el -> { url, data } of the last price/volume series fetched for it
  const bars = uPlot.paths.bars({ size: [0.6, 6] }), filled = uPlot.paths.linear();
  // Volume as bars while they are wider than a pixel; with more trades in view than pixels, bars are slivers that cost
  // one rectangle each, so the same values are drawn as one filled outline (uPlot decimates it per pixel column).
  const volumePaths = (u, seriesIdx, i0, i1) => (i1 - i0 > u.bbox.width ? filled : bars)(u, seriesIdx, i0, i1);

  window.pipelineCharts = {
    // spec: { title, zone, url }. url answers GET /api/trades/products/series: { time: [unix s], price: [], volume: [],
    // anomalies: [indexes], complete }. The browser fetches it itself: a busy product's 100k trades are megabytes that
    // should not travel through the Blazor circuit. A zone change redraws from the points already fetched.
    // Resolves to { points, complete } once drawn.
    async priceAndVolume(el, spec) {
      let fetched = series.get(el);
      if (fetched?.url !== spec.url) {
        // Plain fetch(url): it must match the page's <link rel=preload as=fetch crossorigin> to take its response.
        const response = await fetch(spec.url);
        if (!response.ok) throw new Error(`GET ${spec.url} answered ${response.status} ${response.statusText}`);
        fetched = { url: spec.url, data: await response.json() };
        series.set(el, fetched);
      }
      const s = fetched.data;
      const anomalies = new Array(s.time.length).fill(null);
      for (const i of s.anomalies) anomalies[i] = s.price[i];
      const tz = tzOf(spec.zone);
      const opts = {
        title: spec.title, width: width(el), height: 360,
        tzDate: ts => uPlot.tzDate(new Date(ts * 1e3), tz),
        scales: { x: { time: true }, price: { auto: true }, volume: { auto: true, range: (u, min, max) => [0, max * 3 || 1] } },
        series: [
          { label: `Execution time (${spec.zone})` },
          // Points only while they do not overlap (uPlot's default): drawing 100k circles made every redraw take a second.
          { label: "Price (EUR/MWh)", scale: "price", stroke: "#1f5f99", width: 1, points: { size: 4 }, value: (u, v) => fmt(v, 2) },
          { label: "Volume (MWh)", scale: "volume", stroke: "#8aa4bd", fill: "rgba(138,164,189,0.35)", paths: volumePaths, points: { show: false }, value: (u, v) => fmt(v, 1) },
          { label: "Anomaly (EUR/MWh)", scale: "price", stroke: "#b3261e", width: 0, paths: () => null,
            points: { show: true, size: 11, stroke: "#b3261e", fill: "rgba(179,38,30,0.3)", width: 2 }, value: (u, v) => fmt(v, 2) },
        ],
        // Drawn, and with how many points: tests and benchmarks wait for and read data-points.
        hooks: { draw: [u => { el.dataset.points = String(u.data[0].length); }] },
        axes: [
          { label: `Execution time (${spec.zone})`, space: 70, values: (u, splits) => splits.map(s => stamp(uPlot.tzDate(new Date(s * 1e3), tz))) },
          { scale: "price", label: "Price (EUR/MWh)" },
          { scale: "volume", side: 1, label: "Volume (MWh)", grid: { show: false } },
        ],
      };
      mount(el, opts, [s.time, s.price, s.volume, anomalies]);
      return { points: s.time.length, complete: s.complete };
    },

    // spec: { title, labels: [], values: [], unit }
    bars(el, spec) {
      const xs = spec.labels.map((_, i) => i + 1);
      const opts = {
        title: spec.title, width: width(el), height: 300,
        scales: { x: { time: false, range: [0.4, xs.length + 0.6] }, y: { range: (u, min, max) => [0, max * 1.1 || 1] } },
        series: [
          { label: "Product", value: (u, v) => v == null ? "" : spec.labels[v - 1] },
          { label: `Total volume (${spec.unit})`, stroke: "#1f5f99", fill: "rgba(31,95,153,0.7)", paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false }, value: (u, v) => fmt(v, 1) },
        ],
        axes: [
          { label: "Rank", values: (u, splits) => splits.map(s => Number.isInteger(s) && s >= 1 && s <= xs.length ? `#${s}` : ""), splits: () => xs },
          { label: `Total volume (${spec.unit})` },
        ],
      };
      mount(el, opts, [xs, spec.values]);
    },

    // The uPlot instance drawn in el (for tests and benchmarks: zoom with setScale, read data lengths).
    instance(el) { return charts.get(el) ?? null; },

    dispose(el) {
      const chart = charts.get(el);
      if (chart) { chart.destroy(); charts.delete(el); }
    },
  };

  // Metric lines (telemetry): one colour per series, a dashed line for a histogram's p95.
  // spec: { title, zone, axisLabel, x: [unix s], lines: [{ label, color (index), dashed, values: [] (null where no point) }] }
  const palette = ["#1f5f99", "#b3261e", "#2e7d32", "#8e5fb0", "#c77700", "#00838f", "#6d4c41", "#ad1457", "#546e7a", "#9e9d24"];
  window.pipelineCharts.metricLines = function (el, spec) {
    const tz = tzOf(spec.zone);
    const opts = {
      title: spec.title, width: width(el), height: 360,
      tzDate: ts => uPlot.tzDate(new Date(ts * 1e3), tz),
      scales: { x: { time: true }, y: { auto: true } },
      series: [
        { label: `Time (${spec.zone})` },
        ...spec.lines.map(l => ({
          label: l.label, stroke: palette[l.color % palette.length], width: 1.5, dash: l.dashed ? [6, 4] : undefined,
          spanGaps: true, value: (u, v) => fmt(v, 4), // points: uPlot shows them while the line is sparse
        })),
      ],
      axes: [
        { label: `Time (${spec.zone})`, space: 70, values: (u, splits) => splits.map(s => {
            const d = uPlot.tzDate(new Date(s * 1e3), tz);
            // Exports come every few seconds: ticks less than a minute apart need the seconds.
            return splits.length > 1 && splits[1] - splits[0] < 60 ? `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}` : stamp(d);
          }) },
        { label: spec.axisLabel, size: 70 },
      ],
    };
    mount(el, opts, [spec.x, ...spec.lines.map(l => l.values)]);
  };
})();
