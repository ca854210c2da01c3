using System.Text;
using Confluent.Kafka;
using TestSupport;

namespace Prices.Tests;

/// <summary>The report over a topic of a real Kafka-protocol broker: produced through <see cref="PriceTickProducer"/>, read back by <see cref="PriceTopic"/>.</summary>
public sealed class PriceTopicTests(KafkaFixture kafka) : IClassFixture<KafkaFixture>
{
    static int _topics;

    string NewTopic(int partitions = 4)
    {
        var topic = $"prices-{Interlocked.Increment(ref _topics)}";
        kafka.CreateTopic(topic, partitions);
        return topic;
    }

    IProducer<string, string> Producer() =>
        new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, EnableIdempotence = true, LingerMs = 5 }).Build();

    IConsumer<Ignore, byte[]> Consumer()
    {
        var config = new ConsumerConfig { BootstrapServers = kafka.BootstrapServers };
        PriceTopic.Configure(config);
        return new ConsumerBuilder<Ignore, byte[]>(config).Build();
    }

    async Task<PriceTopicReport> ReportAsync(string topic, double threshold = PriceReport.DefaultThreshold)
    {
        return await PriceTopic.ReadAsync(Consumer, topic, threshold, TimeSpan.FromSeconds(20), CancellationToken.None);
    }

    [Fact]
    public async Task Five_thousand_produced_ticks_are_counted_with_statistics_equal_to_a_direct_computation()
    {
        var topic = NewTopic();
        var (ticks, _) = PriceGenerator.Generate(new PriceGenerationOptions { Count = 5_000, Seed = 21 });
        using (var producer = Producer()) Assert.Equal(5_000, await PriceTickProducer.ProduceAsync(producer, topic, ticks, CancellationToken.None));

        var (report, partitions) = await ReportAsync(topic);

        Assert.Equal(5_000, report.Count);
        Assert.Equal(5_000, partitions.Sum(p => p.High - p.Low));
        Assert.Equal(0, report.Invalid);
        Assert.Equal(["AAPL", "AMZN", "GOOG", "MSFT", "TSLA"], report.Symbols.Select(s => s.Symbol));
        foreach (var s in report.Symbols)
        {
            var prices = ticks.Where(t => t.Symbol == s.Symbol).Select(t => t.Price).ToArray();
            var mean = prices.Sum() / prices.Length;
            var std = Math.Sqrt(prices.Sum(p => (p - mean) * (p - mean)) / (prices.Length - 1));
            Assert.Equal((prices.Length, prices.Min(), prices.Max()), (s.Count, s.Min, s.Max));
            Assert.Equal(mean, s.Mean, 9);
            Assert.Equal(std, s.StandardDeviation, 9);
        }
        // Clean generated data (normal, redrawn beyond ±2.5σ) has nothing beyond |z| 3.
        Assert.Empty(report.Outliers);
    }

    [Fact]
    public async Task Injected_outliers_are_the_only_ones_reported_at_the_default_threshold()
    {
        var topic = NewTopic();
        var (ticks, injected) = PriceGenerator.Generate(new PriceGenerationOptions { Count = 5_000, Outliers = 6, Seed = 22 });
        using (var producer = Producer()) await PriceTickProducer.ProduceAsync(producer, topic, ticks, CancellationToken.None);

        var (report, _) = await ReportAsync(topic);

        Assert.Equal(6, injected.Count);
        Assert.Equal(injected.Select(t => (t.Ts, t.Symbol, t.Price)).Order(), report.Outliers.Select(o => (o.Ts, o.Symbol, o.Price)).Order());
        Assert.Contains("sample standard deviation (n - 1) of the tick's own symbol", report.ZScoreBasis);
    }

    [Fact]
    public async Task Bad_messages_are_counted_as_rejected_with_their_offset_and_reason()
    {
        var topic = NewTopic(partitions: 1);
        string[] messages =
        [
            """{"ts": "2024-01-01 00:00:00.000", "symbol": "A", "price": 10.5}""",
            """{"ts": "2024-01-01 00:00:00.250", "symbol": "A",""",
            """{"ts": "2024-01-01 00:00:00.500", "price": 10.5}""",
            """{"ts": "2024-01-01 00:00:00.750", "symbol": "A", "price": "10.5"}""",
            """{"ts": "2024-01-01 00:00:01.000", "symbol": "A", "price": NaN}""",
            """{"ts": "2024-01-01 00:00:01.250", "symbol": "A", "price": Infinity}""",
            """{"ts": "2024-01-01 00:00:01.500", "symbol": "A", "price": 11.5}""",
        ];
        using (var producer = new ProducerBuilder<Null, byte[]?>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, EnableIdempotence = true }).Build())
        {
            foreach (var m in messages) await producer.ProduceAsync(topic, new() { Value = Encoding.UTF8.GetBytes(m) });
            await producer.ProduceAsync(topic, new() { Value = null }); // a tombstone
        }

        var (report, _) = await ReportAsync(topic);

        Assert.Equal((2L, 6L), (report.Count, report.Invalid));
        Assert.Equal(11.0, report.Symbols.Single().Mean);
        Assert.Equal(
        [
            ("partition 0 offset 1", "malformed JSON: "),
            ("partition 0 offset 2", "missing field(s) 'symbol'"),
            ("partition 0 offset 3", "'price' is the string \"10.5\", expected a number"),
            ("partition 0 offset 4", "NaN is not a number JSON allows (a price must be finite)"),
            ("partition 0 offset 5", "Infinity is not a number JSON allows (a price must be finite)"),
            ("partition 0 offset 7", "empty message (no value)"),
        ], report.InvalidExamples.Select(i => (i.Location, i.Reason.StartsWith("malformed JSON: ", StringComparison.Ordinal) ? "malformed JSON: " : i.Reason)));
    }

    [Fact]
    public async Task Several_readers_over_shares_of_the_offsets_give_the_report_of_one_reader()
    {
        var topic = NewTopic();
        var (ticks, injected) = PriceGenerator.Generate(new PriceGenerationOptions { Count = 5_000, Outliers = 6, Seed = 24 });
        using (var producer = Producer())
        {
            await PriceTickProducer.ProduceAsync(producer, topic, ticks, CancellationToken.None);
            foreach (var symbol in new[] { "AAPL", "MSFT", "TSLA" })
                await producer.ProduceAsync(topic, new() { Key = symbol, Value = $$"""{"ts": "2024-01-01 00:00:00.000", "symbol": "{{symbol}}", "price": "1"}""" });
        }

        var one = await PriceTopic.ReadAsync(Consumer, topic, 3, TimeSpan.FromSeconds(20), readers: 1, minMessagesPerReader: 1, CancellationToken.None);
        // five shares over the partitions that hold the ticks: cut inside partitions too
        var several = await PriceTopic.ReadAsync(Consumer, topic, 3, TimeSpan.FromSeconds(20), readers: 5, minMessagesPerReader: 1, CancellationToken.None);

        Assert.Equal((5_000L, 3L), (several.Report.Count, several.Report.Invalid));
        Assert.Equal(one.Partitions, several.Partitions);
        Assert.Equal(one.Report.Symbols.Select(s => (s.Symbol, s.Count, s.Min, s.Max)), several.Report.Symbols.Select(s => (s.Symbol, s.Count, s.Min, s.Max)));
        foreach (var (expected, actual) in one.Report.Symbols.Zip(several.Report.Symbols))
        {
            Assert.Equal(expected.Mean, actual.Mean, 9);
            Assert.Equal(expected.StandardDeviation, actual.StandardDeviation, 9);
        }
        Assert.Equal(injected.Select(t => (t.Ts, t.Symbol, t.Price)).Order(), several.Report.Outliers.Select(o => (o.Ts, o.Symbol, o.Price)).Order());
        Assert.Equal(one.Report.Outliers.Select(o => (o.Ts, o.Symbol, o.Price)), several.Report.Outliers.Select(o => (o.Ts, o.Symbol, o.Price)));
        Assert.Equal(one.Report.InvalidExamples.Select(i => i.Location).Order(), several.Report.InvalidExamples.Select(i => i.Location).Order());
    }

    [Fact]
    public void Shares_cut_the_partitions_laid_end_to_end_into_equal_runs_holding_one_piece_of_a_partition_each()
    {
        PartitionRange[] partitions = [new(0, 0, 0), new(1, 0, 400), new(2, 100, 300), new(3, 5, 205)];

        Assert.Equal([[new(1, 0, 200)], [new(1, 200, 400)], [new(2, 100, 300)], [new(3, 5, 205)]], PriceTopic.Shares(partitions, 4, 1));
        Assert.Equal([[new(1, 0, 267)], [new(1, 267, 400), new(2, 100, 234)], [new(2, 234, 300), new(3, 5, 205)]], PriceTopic.Shares(partitions, 3, 1));
        // at least the minimum per reader: fewer readers than asked for
        Assert.Equal([[new(1, 0, 400), new(2, 100, 200)], [new(2, 200, 300), new(3, 5, 205)]], PriceTopic.Shares(partitions, 4, 500));
        Assert.Empty(PriceTopic.Shares([new(0, 7, 7)], 4, 1));
    }

    [Fact]
    public async Task An_empty_topic_gives_an_empty_report()
    {
        var topic = NewTopic();

        var (report, partitions) = await ReportAsync(topic);

        Assert.Equal((0L, 0L, 4), (report.Count, report.Invalid, partitions.Count));
        Assert.Empty(report.Symbols);
    }

    [Fact]
    public async Task A_missing_topic_is_named_in_the_error()
    {
        var error = await Assert.ThrowsAsync<PriceTopicException>(() => ReportAsync("no-such-prices"));

        Assert.Equal("topic no-such-prices does not exist", error.Message);
    }

    [Fact]
    public async Task Ticks_produced_after_the_report_started_are_left_for_the_next_one()
    {
        var topic = NewTopic(partitions: 1);
        var (ticks, _) = PriceGenerator.Generate(new PriceGenerationOptions { Count = 200, Seed = 23 });
        using var producer = Producer();
        await PriceTickProducer.ProduceAsync(producer, topic, ticks.Take(100).ToList(), CancellationToken.None);

        // the high-water marks are taken first; then more arrives while the report reads
        var reading = PriceTopic.ReadAsync(Consumer, topic, 3, TimeSpan.FromSeconds(20), CancellationToken.None);
        await PriceTickProducer.ProduceAsync(producer, topic, ticks.Skip(100).ToList(), CancellationToken.None);
        var first = await reading;
        var second = await ReportAsync(topic);

        Assert.InRange(first.Report.Count, 100, 200);
        Assert.Equal(first.Partitions.Single().High, first.Report.Count);
        Assert.Equal(200, second.Report.Count);
    }
}
