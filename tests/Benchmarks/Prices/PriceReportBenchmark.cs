using System.Diagnostics;
using System.Globalization;
using Benchmarks.Support;
using Confluent.Kafka;
using Prices;
using TestSupport;

namespace Prices.Benchmarks;

/// <summary>
/// prices-report [--ticks N] [--partitions P] [--runs R]: the batch price report over N generated ticks (default 1M)
/// in a topic of the local Kafka-protocol broker (librdkafka's mock cluster, zstd, P partitions, default 16), against
/// a baseline in the same run: a plain consume of the same offsets that only counts the bytes (no parsing, no
/// statistics), and the report read by one consumer (the parallel readers' baseline). Also the report over the same
/// ticks as a JSON-lines file, against reading the file's lines.
/// </summary>
public static class PriceReportBenchmark
{
    const string Topic = "prices-bench";

    public static async Task<int> RunAsync(string[] args)
    {
        var count = Bench.Option(args, "--ticks", 1_000_000);
        var partitions = Bench.Option(args, "--partitions", 16);
        var runs = Bench.Option(args, "--runs", 5);
        Console.WriteLine($"prices-report: {count:N0} ticks, {partitions} partitions, {runs} runs, {Environment.ProcessorCount} cores");

        using var kafka = new KafkaFixture();
        kafka.CreateTopic(Topic, partitions);
        var (ticks, _) = PriceGenerator.Generate(new PriceGenerationOptions { Count = count, Outliers = 10 });
        var clock = Stopwatch.StartNew();
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            EnableIdempotence = true,
            LingerMs = 20,
            BatchSize = 1_000_000,
            CompressionType = CompressionType.Zstd,
        }).Build())
            await PriceTickProducer.ProduceAsync(producer, Topic, ticks, CancellationToken.None);
        Console.WriteLine($"produced in {clock.Elapsed.TotalSeconds:F1} s");
        var file = Path.Combine(Path.GetTempPath(), $"prices-bench-{Environment.ProcessId}.jsonl");
        await File.WriteAllLinesAsync(file, ticks.Select(t => t.ToJson()));

        try
        {
            var consume = new List<double>();
            var report = new List<double>();
            var oneReader = new List<double>();
            var lines = new List<double>();
            var fileReport = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                // alternated, so a load change on the shared machine hits both sides
                consume.Add(Time(() => PlainConsume(kafka.BootstrapServers, count)));
                report.Add(Time(() => TopicReport(kafka.BootstrapServers, count, PriceTopic.DefaultReaders)));
                oneReader.Add(Time(() => TopicReport(kafka.BootstrapServers, count, readers: 1)));
                lines.Add(Time(() => File.ReadLines(file).Count()));
                fileReport.Add(Time(() => PriceReportBuilder.FromFile(file).Count));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {run + 1}: consume {consume[^1]:F2} s, topic report {report[^1]:F2} s ({PriceTopic.DefaultReaders} readers), one reader {oneReader[^1]:F2} s, file lines {lines[^1]:F2} s, file report {fileReport[^1]:F2} s"));
            }
            var (c, r, o, l, f) = (Bench.Median(consume), Bench.Median(report), Bench.Median(oneReader), Bench.Median(lines), Bench.Median(fileReport));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median: plain consume {c:F2} s ({count / c:N0} msg/s), topic report {r:F2} s ({count / r:N0} ticks/s), ratio report/consume {r / c:F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median: topic report by one reader {o:F2} s, ratio {PriceTopic.DefaultReaders} readers/one {r / o:F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median: file lines {l:F2} s, file report {f:F2} s ({count / f:N0} ticks/s), ratio report/lines {f / l:F2}"));
            Console.WriteLine($"target: topic report of {count:N0} ticks <= 5 s: {(r <= 5 ? "met" : "NOT met")}");
            return 0;
        }
        finally
        {
            File.Delete(file);
        }
    }

    static double Time(Func<long> work)
    {
        var clock = Stopwatch.StartNew();
        var n = work();
        if (n <= 0) throw new InvalidOperationException("nothing was read");
        return clock.Elapsed.TotalSeconds;
    }

    static IConsumer<Ignore, byte[]> Consumer(string bootstrapServers)
    {
        var config = new ConsumerConfig { BootstrapServers = bootstrapServers };
        PriceTopic.Configure(config);
        return new ConsumerBuilder<Ignore, byte[]>(config).Build();
    }

    static long TopicReport(string bootstrapServers, int expected, int readers)
    {
        var read = PriceTopic.ReadAsync(() => Consumer(bootstrapServers), Topic, PriceReport.DefaultThreshold, PriceTopic.DefaultStallTimeout, readers,
            PriceTopic.MinMessagesPerReader, CancellationToken.None).GetAwaiter().GetResult();
        if (read.Report.Count != expected) throw new InvalidOperationException($"the report counted {read.Report.Count:N0} of {expected:N0} ticks");
        return read.Report.Count;
    }

    /// <summary>The same assignment and stop rule as the report, but each message is only counted.</summary>
    static long PlainConsume(string bootstrapServers, int expected)
    {
        using var consumer = Consumer(bootstrapServers);
        var ranges = PriceTopic.Ranges(consumer, Topic, TimeSpan.FromSeconds(30));
        consumer.Assign(ranges.Select(p => new TopicPartitionOffset(Topic, p.Partition, p.Low)));
        var remaining = ranges.Count(p => p.High > p.Low);
        long messages = 0, bytes = 0;
        while (remaining > 0)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(10)) ?? throw new InvalidOperationException("the broker stalled");
            if (result.IsPartitionEOF) continue;
            messages++;
            bytes += result.Message.Value.Length;
            if (result.Offset.Value == ranges[result.Partition.Value].High - 1) remaining--;
        }
        consumer.Unassign();
        if (messages != expected) throw new InvalidOperationException($"consumed {messages:N0} of {expected:N0}");
        return bytes;
    }
}
