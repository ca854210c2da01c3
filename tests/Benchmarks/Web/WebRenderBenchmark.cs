using System.Diagnostics;
using System.Globalization;
using Benchmarks.Support;
using Npgsql;
using TestSupport;
using Web.Api;
using Web.Trades;

namespace Web.Benchmarks;

/// <summary>
/// Server-side render time of the trades statistics page against
/// <see cref="WebDataset"/> (10M trade legs), in the real Web process: the wall time of an HTTP GET of the
/// full prerendered HTML, per filter/sort/page variant, interleaved, after warm-up. Baselines measured in the same run:
/// the same <see cref="TradeReports"/> calls the page makes, in this process ("data"),
/// and a GET of the static sign-in page (the framework's floor). Then <see cref="ChartBenchmark"/> in Chromium.
/// Usage: benchmarks web-render [--trades 10000000] [--chart-trades 100000] [--requests 40]
///        [--warmup 5] [--chart-repeats 5] [--data DIR] [--fresh] [--skip-chart]
/// </summary>
public static class WebRenderBenchmark
{
    const int PageSize = 25; // the page shows 25 rows

    /// <param name="Expect">Text the page must contain, so a variant is known to render what it claims.</param>
    sealed record Variant(string Page, string Name, string Path, Func<CancellationToken, Task> Data, string Expect = "");

    public static async Task<int> RunAsync(string[] args)
    {
        var legs = Bench.Option(args, "--trades", 10_000_000L);
        var chartTrades = Bench.Option(args, "--chart-trades", 100_000);
        var requests = Bench.Option(args, "--requests", 40);
        var warmup = Bench.Option(args, "--warmup", 5);
        var directory = Bench.Option(args, "--data", Path.Combine(Path.GetTempPath(), "web-render-bench"));
        Console.WriteLine($"web-render: {legs:N0} trade legs, a chart product of {chartTrades:N0} trades; {Environment.ProcessorCount} cores, load average {LoadAverage()}");

        var clock = Stopwatch.StartNew();
        await using var dataset = await WebDataset.OpenAsync(directory, legs, chartTrades, fresh: args.Contains("--fresh"));
        Console.WriteLine($"{dataset.Description}: ready in {clock.Elapsed.TotalSeconds:F0} s; {await DescribeAsync(dataset.DataSource)}");

        await using var servers = await BenchServers.StartAsync(postgres: false, s3: true, kafka: true);
        await using var web = await servers.StartServiceAsync("Web", dataset.ConnectionString);
        using var http = new HttpClient { BaseAddress = web.Url, Timeout = TimeSpan.FromMinutes(2) };

        var variants = await VariantsAsync(dataset.DataSource);
        var floor = new Variant("floor", "GET /account/login (static SSR, no data)", "/account/login", _ => Task.CompletedTask, "Sign in");
        var product = new Variant("product", $"product page of the {chartTrades:N0}-trade product (HTML only)", ChartBenchmark.ProductPath, _ => Task.CompletedTask, "data-fact=\"tradeCount\"");
        var reports = new TradeReports(dataset.DataSource);
        var chartKey = new FinancialProductKey(WebDataset.ChartProduct.Product, WebDataset.ChartProduct.DeliveryStart, WebDataset.ChartProduct.DeliveryEnd, WebDataset.ChartProduct.DeliveryArea);
        var series = new Variant("chart data", $"GET of its chart series ({chartTrades:N0} points, JSON)", ChartBenchmark.SeriesPath,
            ct => reports.PriceSeriesAsync(chartKey, TradesApi.PriceSeriesLimit, ct), "\"complete\":true");
        var measured = variants.Append(floor).Append(product).Append(series).ToList();
        var pageTimes = measured.ToDictionary(v => v, _ => new List<double>());
        var dataTimes = measured.ToDictionary(v => v, _ => new List<double>());
        Console.WriteLine($"GET of the full prerendered HTML, {requests} requests per variant after {warmup} warm-up, interleaved; data = the page's own TradeReports calls in this process");
        for (var i = -warmup; i < requests; i++)
            foreach (var variant in measured)
            {
                var page = await GetAsync(http, variant);
                var data = await TimeAsync(variant.Data);
                if (i < 0) continue;
                pageTimes[variant].Add(page);
                dataTimes[variant].Add(data);
            }

        foreach (var group in measured.GroupBy(v => v.Page))
        {
            foreach (var v in group)
            {
                var page = new Latencies(pageTimes[v]);
                var data = new Latencies(dataTimes[v]);
                Console.WriteLine(v == floor || v == product
                    ? $"  {v.Name,-58} page {page}"
                    : $"  {v.Name,-58} page {page} | data {data} | page/data p50 {page.P50 / data.P50:F2}");
            }
            if (group.Key != "/trades") continue;
            var all = new Latencies([.. group.SelectMany(v => pageTimes[v])]);
            Console.WriteLine($"{group.Key} all variants: {all}; target p95 <= 200 ms: {(all.P95 <= 200 ? "met" : "NOT met")}");
        }
        Console.WriteLine($"load average after the page measurements: {LoadAverage()}");

        if (!args.Contains("--skip-chart"))
        {
            var (typicalPath, typicalTrades) = await TypicalProductAsync(dataset.DataSource);
            await ChartBenchmark.RunAsync(web.Url, typicalPath, typicalTrades, chartTrades, Bench.Option(args, "--chart-repeats", 5));
        }
        return 0;
    }

    /// <summary>The pages with the filters, sorts and deep pages a user reaches, and the calls each makes for its data.</summary>
    static async Task<List<Variant>> VariantsAsync(NpgsqlDataSource dataSource)
    {
        var reports = new TradeReports(dataSource);
        var products = await ScalarAsync<long>(dataSource, "SELECT count(*) FROM pipeline.product_stats");
        var lastPage = (int)((products + PageSize - 1) / PageSize);
        var day = await ScalarAsync<DateOnly>(dataSource, "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY delivery_date) FROM pipeline.product_stats");

        Variant Trades(string name, string query, TradeFilter filter, string sort, bool descending, int page) =>
            new("/trades", name, "/trades" + query, async ct =>
            {
                await reports.FilterChoicesAsync(ct);
                await reports.ProductStatsAsync(filter, TradeReports.ProductSortKeys[sort], descending, new PageRequest((page - 1) * PageSize, PageSize), ct);
                await reports.TopProductsAsync(filter with { Product = null }, new PageRequest(0, 5), ct);
            }, $"Page {page} of ");
        var dayText = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return
        [
            Trades("default: all products, -totalVolume, page 1", "", new(null, null, null), "totalVolume", true, 1),
            Trades($"day {dayText} + area DE", $"?deliveryDate={dayText}&area=DE", new(day, "DE", null), "totalVolume", true, 1),
            Trades("product XBID_Quarter_Hour_Power, sort vwap asc", "?product=XBID_Quarter_Hour_Power&sort=vwap", new(null, null, "XBID_Quarter_Hour_Power"), "vwap", false, 1),
            Trades("area FR, -stddevPrice, page 100", "?area=FR&sort=-stddevPrice&page=100", new(null, "FR", null), "stddevPrice", true, 100),
            Trades("sort deliveryStart, page 1,000", "?sort=deliveryStart&page=1000", new(null, null, null), "deliveryStart", false, 1000),
            Trades($"-totalVolume, last page ({lastPage:N0})", $"?page={lastPage}", new(null, null, null), "totalVolume", true, lastPage),
        ];
    }

    /// <summary>The product page of a product with the median trade count, and that count.</summary>
    static async Task<(string Path, int Trades)> TypicalProductAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT product, delivery_area, delivery_start, delivery_end, trade_count FROM pipeline.product_stats
            ORDER BY trade_count, product, delivery_start, delivery_end, delivery_area
            OFFSET (SELECT count(*) / 2 FROM pipeline.product_stats) LIMIT 1
            """);
        await using var r = await command.ExecuteReaderAsync();
        await r.ReadAsync();
        return (string.Create(CultureInfo.InvariantCulture,
            $"/trades/product?product={r.GetString(0)}&area={r.GetString(1)}&deliveryStart={r.GetFieldValue<DateTime>(2):yyyy-MM-ddTHH:mm:ssZ}&deliveryEnd={r.GetFieldValue<DateTime>(3):yyyy-MM-ddTHH:mm:ssZ}"),
            r.GetInt32(4));
    }

    static async Task<double> GetAsync(HttpClient http, Variant variant)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync(variant.Path, HttpCompletionOption.ResponseHeadersRead);
        var html = await response.Content.ReadAsStringAsync();
        var elapsed = clock.Elapsed.TotalMilliseconds;
        if (!response.IsSuccessStatusCode || html.Contains("error-note", StringComparison.Ordinal) || !html.Contains(variant.Expect, StringComparison.Ordinal))
            throw new InvalidOperationException($"GET {variant.Path}: {(int)response.StatusCode}, an error on the page or no '{variant.Expect}':\n{html[..Math.Min(html.Length, 3000)]}");
        return elapsed;
    }

    static async Task<double> TimeAsync(Func<CancellationToken, Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action(CancellationToken.None);
        return clock.Elapsed.TotalMilliseconds;
    }

    static async Task<string> DescribeAsync(NpgsqlDataSource dataSource)
    {
        var legs = await ScalarAsync<double>(dataSource, "SELECT reltuples::float8 FROM pg_class WHERE oid = 'pipeline.trades'::regclass");
        var trades = await ScalarAsync<long>(dataSource, "SELECT sum(trade_count)::bigint FROM pipeline.product_stats");
        var products = await ScalarAsync<long>(dataSource, "SELECT count(*) FROM pipeline.product_stats");
        var anomalies = await ScalarAsync<long>(dataSource, "SELECT count(*) FROM pipeline.price_anomalies");
        var size = await ScalarAsync<long>(dataSource, "SELECT pg_database_size(current_database())");
        return string.Create(CultureInfo.InvariantCulture,
            $"~{legs:N0} legs = {trades:N0} trades in {products:N0} products, {anomalies:N0} anomalies; {size / 1e9:F1} GB");
    }

    static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetFieldValue<T>(0);
    }

    static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
