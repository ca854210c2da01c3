using System.Diagnostics;
using System.Threading.Channels;
using LocalServers;
using Npgsql;
using Trades;
using Trades.Analytics;
using Trades.Generation;
using Trades.Storage;
using Workers.Storage;

namespace Web.Benchmarks;

/// <summary>
/// The database the web-render suite measures: generated trade legs stored with <see cref="TradeStore"/> and analysed
/// per delivery day and area with <see cref="TradeAnalytics"/> + <see cref="TradeResultStore"/> (as the pipeline's
/// aggregate and detect steps do), and one busy product with <see cref="ChartTrades"/> trades for the chart. Loading 10M legs takes minutes, so the cluster lives in a kept
/// directory and is reused while the dataset it records has the same shape; <c>--fresh</c> rebuilds it.
/// </summary>
public sealed class WebDataset : IAsyncDisposable
{
    /// <summary>Bump when what is loaded changes, so kept databases are rebuilt.</summary>
    const int Version = 2;
    const string DatabaseName = "webrender";

    /// <summary>The product the chart is measured on (real products have hundreds of trades; this one has 100k).</summary>
    public static readonly FinancialProduct ChartProduct = new("XBID_Hour_Power",
        new DateTime(2022, 12, 31, 17, 0, 0, DateTimeKind.Utc), new DateTime(2022, 12, 31, 18, 0, 0, DateTimeKind.Utc), "DE");

    readonly PostgresCluster _cluster;

    WebDataset(PostgresCluster cluster, string description)
    {
        _cluster = cluster;
        ConnectionString = cluster.ConnectionString(DatabaseName);
        DataSource = NpgsqlDataSource.Create(ConnectionString);
        Description = description;
    }

    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }
    public string Description { get; }

    public static async Task<WebDataset> OpenAsync(string directory, long legs, int chartTrades, bool fresh)
    {
        var cluster = new PostgresCluster(directory, FreePort.Next(), durable: false);
        if (fresh && Directory.Exists(directory))
        {
            await cluster.StopAsync();
            Directory.Delete(directory, recursive: true);
        }
        await cluster.StartAsync(["postgres"]);
        var shape = $"v{Version}: {legs} legs, chart product {chartTrades} trades";
        await using (var admin = NpgsqlDataSource.Create(cluster.ConnectionString("postgres")))
        {
            if (await KeptShapeAsync(cluster) == shape)
            {
                // Migrations added since the dataset was built apply to it, as Workers apply them at start.
                var kept = new WebDataset(cluster, $"kept dataset in {directory} ({shape})");
                await kept.ApplySchemasAsync();
                return kept;
            }
            await using (var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE)")) await drop.ExecuteNonQueryAsync();
            await using (var create = admin.CreateCommand($"CREATE DATABASE {DatabaseName}")) await create.ExecuteNonQueryAsync();
        }
        var dataset = new WebDataset(cluster, $"new dataset in {directory} ({shape})");
        try
        {
            await dataset.LoadAsync(legs, chartTrades);
            await using (var create = dataset.DataSource.CreateCommand("CREATE TABLE public.bench_dataset (shape text NOT NULL)")) await create.ExecuteNonQueryAsync();
            await using var record = dataset.DataSource.CreateCommand("INSERT INTO public.bench_dataset VALUES ($1)");
            record.Parameters.Add(new NpgsqlParameter { Value = shape });
            await record.ExecuteNonQueryAsync();
            return dataset;
        }
        catch
        {
            await dataset.DisposeAsync();
            throw;
        }
    }

    static async Task<string?> KeptShapeAsync(PostgresCluster cluster)
    {
        try
        {
            await using var connection = new NpgsqlConnection(cluster.ConnectionString(DatabaseName));
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("SELECT shape FROM public.bench_dataset", connection);
            return (string?)await read.ExecuteScalarAsync();
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }

    async Task LoadAsync(long legs, int chartTrades)
    {
        var clock = Stopwatch.StartNew();
        await ApplySchemasAsync();
        var stored = await LoadTradesAsync(legs);
        Console.WriteLine($"  stored and analysed {stored:N0} generated trade legs in {clock.Elapsed.TotalSeconds:F0} s");
        var chart = ChartTrades(chartTrades);
        await StorePartitionAsync(DataSource, new GeneratedDay(DateOnly.FromDateTime(ChartProduct.DeliveryStart), ChartProduct.DeliveryArea, chart, []));
        await using (var connection = await DataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await TradeResultStore.ReplaceOverallTopAsync(connection, tx, new AnalysisOptions().TopCount, CancellationToken.None);
            await tx.CommitAsync();
        }
        Console.WriteLine($"  chart product: {chart.Count:N0} legs of {chartTrades:N0} trades; overall top products ranked ({clock.Elapsed.TotalSeconds:F0} s)");
        // After a bulk load autovacuum would analyse the tables within minutes; do it now so every run sees the same plans.
        await using (var analyze = DataSource.CreateCommand("VACUUM ANALYZE")) { analyze.CommandTimeout = 0; await analyze.ExecuteNonQueryAsync(); }
        Console.WriteLine($"  vacuumed and analysed ({clock.Elapsed.TotalSeconds:F0} s)");
    }

    Task ApplySchemasAsync() => PipelineSchema.ApplyAsync(DataSource, CancellationToken.None);

    /// <summary>Days of all five areas until <paramref name="legs"/> legs; one transaction per delivery day and area, two writers.</summary>
    async Task<long> LoadTradesAsync(long legs)
    {
        const long LegsPerDay = 150_000; // about 32,700 rows a day in FR, 4.8 times that over the five areas
        var days = (int)(legs / LegsPerDay) + 2;
        var options = new TradeGenerationOptions { FirstDay = new DateOnly(2023, 1, 1), Days = days, Areas = TradeGenerator.Areas, Seed = 11, Anomalies = days * 5 * 3 };
        var partitions = Channel.CreateBounded<GeneratedDay>(4);
        long produced = 0, written = 0;
        var producer = Task.Run(async () =>
        {
            foreach (var day in TradeGenerator.GenerateDays(options))
            {
                var take = (int)Math.Min(day.Trades.Count, legs - produced);
                await partitions.Writer.WriteAsync(take == day.Trades.Count ? day : day with { Trades = [.. day.Trades.Take(take)] });
                if ((produced += take) >= legs) break;
            }
            partitions.Writer.Complete();
        });
        var writers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            await foreach (var day in partitions.Reader.ReadAllAsync())
            {
                await StorePartitionAsync(DataSource, day);
                var total = Interlocked.Add(ref written, day.Trades.Count);
                if (total / 1_000_000 != (total - day.Trades.Count) / 1_000_000) Console.WriteLine($"  {total:N0} legs stored");
            }
        })).ToList();
        await Task.WhenAll(writers.Append(producer));
        return written;
    }

    /// <summary>What the pipeline does for one delivery day and area: store the legs, replace its statistics, top products and anomalies.</summary>
    static async Task StorePartitionAsync(NpgsqlDataSource dataSource, GeneratedDay day)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await TradeStore.StoreAsync(connection, tx, "kafka:energy.trades.v1", [.. day.Trades.Select((t, i) => ReceivedTrade.AsMessage(t, $"{day.Day:yyyy-MM-dd}/{day.Area}:{i}"))], [], CancellationToken.None);
        var result = TradeAnalytics.Analyze(day.Trades);
        await TradeResultStore.ReplaceStatisticsAsync(connection, tx, day.Day, day.Area, result, "web-render-bench", CancellationToken.None);
        await TradeResultStore.ReplaceAnomaliesAsync(connection, tx, day.Day, day.Area, result.Anomalies, CancellationToken.None);
        await tx.CommitAsync();
    }

    /// <summary>
    /// <paramref name="count"/> trades of <see cref="ChartProduct"/>, executed from the day before delivery until gate
    /// closure: a random-walk price around an evening level with a few spikes, log-normal volumes, both legs for 40 %.
    /// </summary>
    public static List<Trade> ChartTrades(int count)
    {
        var random = new Random(17);
        var opens = ChartProduct.DeliveryStart.AddHours(-27);
        var window = ChartProduct.DeliveryStart.AddMinutes(-5) - opens;
        var price = 180.0;
        var legs = new List<Trade>((int)(count * 1.4));
        for (var i = 0; i < count; i++)
        {
            price += (random.NextDouble() - 0.5) * 0.8 + (180 - price) * 0.001;
            var spike = random.NextDouble() < 0.0002 ? random.Next(2) * 2 - 1 : 0;
            var sell = new Trade
            {
                TradeId = 9_000_000_000 + i,
                RemoteTradeId = (7_000_000_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Side = TradeSide.Sell,
                Product = ChartProduct.Product,
                DeliveryStart = ChartProduct.DeliveryStart,
                DeliveryEnd = ChartProduct.DeliveryEnd,
                ExecutionTime = opens + window * ((i + random.NextDouble()) / count),
                DeliveryArea = ChartProduct.DeliveryArea,
                TradePhase = "CONT",
                UserDefinedBlock = "N",
                SelfTrade = "U",
                Price = Math.Round((decimal)(price * (1 + spike * 0.6)), 2),
                Currency = "EUR",
                Volume = Math.Round((decimal)Math.Clamp(1.5 * Math.Exp(random.NextDouble() * 2 - 1), 0.1, 500), 1),
                VolumeUnit = "MWH",
                OrderId = 90_000_000_000 + 2L * i,
            };
            legs.Add(sell);
            if (random.NextDouble() < 0.4) legs.Add(sell with { Side = TradeSide.Buy, OrderId = sell.OrderId + 1 });
        }
        return legs;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await _cluster.StopAsync();
    }
}
