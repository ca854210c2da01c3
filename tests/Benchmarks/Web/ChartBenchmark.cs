using System.Globalization;
using Benchmarks.Support;
using Microsoft.Playwright;
using TestSupport;

namespace Web.Benchmarks;

/// <summary>
/// The product page's price/volume chart on <see cref="WebDataset.ChartProduct"/> in headless Chromium, against a
/// product with the median trade count measured in the same run: from navigation start (performance.now()'s origin) to
/// the chart's series request, its response and the chart's first draw; the bytes of the series and of the circuit's
/// WebSocket frames; the redraw after a zoom (<c>setScale</c> to the middle 10 % and back to all points) and after a
/// mouse drag-select, each from the action to uPlot's draw hook and to the next animation frame. Medians over the
/// repetitions, one fresh browser context each, after one warm-up.
/// </summary>
public static class ChartBenchmark
{
    static readonly string ProductQuery = string.Create(CultureInfo.InvariantCulture,
        $"product={WebDataset.ChartProduct.Product}&area={WebDataset.ChartProduct.DeliveryArea}&deliveryStart={WebDataset.ChartProduct.DeliveryStart:yyyy-MM-ddTHH:mm:ssZ}&deliveryEnd={WebDataset.ChartProduct.DeliveryEnd:yyyy-MM-ddTHH:mm:ssZ}");

    public static string ProductPath { get; } = "/trades/product?" + ProductQuery;
    public static string SeriesPath { get; } = "/api/trades/products/series?" + ProductQuery;

    const string Chart = "[data-chart=price]";

    // Records when the chart first reports itself drawn (charts.js sets data-points in uPlot's draw hook).
    const string RecordFirstDraw = """
        new MutationObserver((changes, observer) => {
          window.__chartDrawnAt = performance.now();
          observer.disconnect();
        }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-points'] });
        """;

    // [to the draw hook, to the next animation frame] in ms after setScale; fraction of the x range shown (1 = all).
    const string Zoom = """
        async ([selector, fraction]) => {
          const u = pipelineCharts.instance(document.querySelector(selector));
          const xs = u.data[0], min = xs[0], max = xs[xs.length - 1], mid = (min + max) / 2, half = (max - min) * fraction / 2;
          const drawn = new Promise(resolve => {
            const hook = () => { u.hooks.draw.splice(u.hooks.draw.indexOf(hook), 1); resolve(performance.now()); };
            u.hooks.draw.push(hook);
          });
          const start = performance.now();
          u.setScale('x', { min: mid - half, max: mid + half });
          const draw = await drawn;
          await new Promise(resolve => requestAnimationFrame(() => resolve()));
          return [draw - start, performance.now() - start];
        }
        """;

    const string ArmDrag = """
        selector => {
          const u = pipelineCharts.instance(document.querySelector(selector));
          window.__drag = {};
          document.addEventListener('mouseup', () => window.__drag.up = performance.now(), { capture: true, once: true });
          const hook = () => {
            if (window.__drag.up === undefined) return;
            u.hooks.draw.splice(u.hooks.draw.indexOf(hook), 1);
            window.__drag.draw = performance.now();
            requestAnimationFrame(() => window.__drag.frame = performance.now());
          };
          u.hooks.draw.push(hook);
        }
        """;

    // [request start, response end, body bytes, requests] of the chart's series request, from the browser's resource timing.
    const string SeriesTiming = """
        () => {
          const all = performance.getEntriesByType('resource').filter(e => e.name.includes('/api/trades/products/series'));
          return all.length ? [all[0].startTime, all[0].responseEnd, all[0].encodedBodySize, all.length] : [0, 0, 0, 0];
        }
        """;

    sealed record Sample(double Fetch, double Fetched, double SeriesBytes, double SocketBytes, double Drawn, double ZoomIn, double ZoomInFrame,
        double ZoomOut, double ZoomOutFrame, double Drag, double DragFrame);

    /// <summary>The busy product and, as the baseline, a product with the median trade count, interleaved.</summary>
    public static async Task RunAsync(Uri web, string typicalPath, int typicalPoints, int busyPoints, int repeats)
    {
        Console.WriteLine($"chart: product page in headless Chromium, {repeats} repetitions after 1 warm-up, one fresh context each; baseline: a product with the median trade count");
        await using var chromium = new HeadlessChromium();
        var samples = new Dictionary<string, List<Sample>> { [typicalPath] = [], [ProductPath] = [] };
        for (var i = -1; i < repeats; i++)
            foreach (var (path, points) in new[] { (typicalPath, typicalPoints), (ProductPath, busyPoints) })
            {
                var sample = await MeasureAsync(chromium, web, path, points);
                if (i >= 0) samples[path].Add(sample);
            }
        foreach (var (path, points) in new[] { (typicalPath, typicalPoints), (ProductPath, busyPoints) })
        {
            var m = samples[path];
            double Median(Func<Sample, double> f) => Bench.Median(m.Select(f));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
                  {points,7:N0} points ({path})
                    medians of {m.Count}: navigation -> series requested {Median(x => x.Fetch):F0} ms (preloaded with the page), received {Median(x => x.Fetched):F0} ms ({Median(x => x.SeriesBytes) / 1e6:F2} MB JSON; {Median(x => x.SocketBytes) / 1e6:F2} MB over the circuit), drawn {Median(x => x.Drawn):F0} ms
                    redraw, to uPlot's draw hook / to the next frame: zoom to 10 % {Median(x => x.ZoomIn):F1} / {Median(x => x.ZoomInFrame):F1} ms, back to all points {Median(x => x.ZoomOut):F1} / {Median(x => x.ZoomOutFrame):F1} ms, mouse drag-select {Median(x => x.Drag):F1} / {Median(x => x.DragFrame):F1} ms
                """));
        }
        var typical = Bench.Median(samples[typicalPath].Select(x => x.Drawn));
        var busy = Bench.Median(samples[ProductPath].Select(x => x.Drawn));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chart drawn, {busyPoints:N0} / {typicalPoints:N0} points: {busy:F0} / {typical:F0} ms, ratio {busy / typical:F2}"));
    }

    static async Task<Sample> MeasureAsync(HeadlessChromium chromium, Uri web, string path, int expectedPoints)
    {
        await using var context = await chromium.NewContextAsync(web);
        context.SetDefaultTimeout(120_000);
        var page = await context.NewPageAsync();
        long socketBytes = 0;
        page.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) =>
            Interlocked.Add(ref socketBytes, frame.Binary?.Length ?? System.Text.Encoding.UTF8.GetByteCount(frame.Text ?? ""));
        await page.AddInitScriptAsync(RecordFirstDraw);
        await page.GotoAsync(path);
        await page.Locator($"{Chart}[data-points]").WaitForAsync();
        var points = int.Parse((await page.Locator(Chart).GetAttributeAsync("data-points"))!, CultureInfo.InvariantCulture);
        if (points != expectedPoints) throw new InvalidOperationException($"{path}: the chart drew {points} points, expected {expectedPoints}");
        var drawn = await page.EvaluateAsync<double>("window.__chartDrawnAt");
        var series = await page.EvaluateAsync<double[]>(SeriesTiming);
        if (series[3] != 1) throw new InvalidOperationException($"{path}: the series was requested {series[3]} times; the chart's fetch did not take the preloaded response");
        var zoomIn = await page.EvaluateAsync<double[]>(Zoom, new object[] { Chart, 0.1 });
        var zoomOut = await page.EvaluateAsync<double[]>(Zoom, new object[] { Chart, 1.0 });
        var drag = await DragSelectAsync(page);
        return new Sample(series[0], series[1], series[2], Interlocked.Read(ref socketBytes), drawn, zoomIn[0], zoomIn[1], zoomOut[0], zoomOut[1], drag.Draw, drag.Frame);
    }

    /// <summary>Drags across the middle third of the plot (uPlot zooms x on release); ms from mouse-up to draw and to the next frame.</summary>
    static async Task<(double Draw, double Frame)> DragSelectAsync(IPage page)
    {
        var box = (await page.Locator($"{Chart} .u-over").BoundingBoxAsync())!;
        await page.EvaluateAsync(ArmDrag, Chart);
        var y = box.Y + box.Height / 2;
        await page.Mouse.MoveAsync(box.X + box.Width / 3, y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + box.Width * 2 / 3, y, new() { Steps = 5 });
        await page.Mouse.UpAsync();
        await page.WaitForFunctionAsync("() => window.__drag.frame !== undefined");
        var times = await page.EvaluateAsync<double[]>("() => [window.__drag.draw - window.__drag.up, window.__drag.frame - window.__drag.up]");
        return (times[0], times[1]);
    }
}
