// Usage: dotnet run -c Release --project tests/Benchmarks -- <suite>
// Each suite lives in its own folder and registers one line here.
var suites = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["trades-analytics"] = Trades.Benchmarks.AnalyticsBenchmark.RunAsync,
    ["trades-lake-export"] = Trades.Benchmarks.LakeExportBenchmark.RunAsync,
    ["trades-ingestion"] = Ingestion.Benchmarks.TradeIngestionBenchmark.RunAsync,
    ["trades-latency"] = Ingestion.Benchmarks.FeedLatencyBenchmark.RunAsync,
    ["web-render"] = Web.Benchmarks.WebRenderBenchmark.RunAsync,
    ["temporal"] = Temporal.Benchmarks.TemporalServerBenchmark.RunAsync,
    // the temporal suite's worker processes
    ["temporal-worker"] = Temporal.Benchmarks.BenchWorker.RunAsync,
    ["grid-backfill"] = Grid.Benchmarks.GridBackfillBenchmark.RunAsync,
    ["meters-capture"] = Meters.Benchmarks.CaptureBenchmark.RunAsync,
    ["meters-cleaning"] = Meters.Benchmarks.CleaningBenchmark.RunAsync,
    ["prices-report"] = Prices.Benchmarks.PriceReportBenchmark.RunAsync,
};

if (args.Length == 0 || !suites.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: benchmarks <suite> [options]; suites: {string.Join(", ", suites.Keys.Order())}");
    return 2;
}
return await run(args[1..]);
