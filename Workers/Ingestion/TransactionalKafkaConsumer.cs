using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Confluent.Kafka;
using Npgsql;
using ServiceDefaults.Kafka;

namespace Workers.Ingestion;

/// <summary>
/// Consumes a topic in batches and hands each batch to a handler inside one PostgreSQL transaction that also stores
/// the batch's next offsets. Positions are resumed from PostgreSQL, not from Kafka, so a crash at any point replays
/// at most the batch that did not commit, and its effect is applied exactly once. Offsets that never arrive (a gap)
/// are recorded as data loss in the same transaction, never skipped silently. Each run builds a new consumer of the
/// registration's group (<see cref="KafkaRegistration.AddKeyedKafkaConsumer"/>) with its own rebalance handlers.
/// </summary>
public sealed class TransactionalKafkaConsumer(
    KafkaConsumerFactory<byte[]?, byte[]?> consumers,
    NpgsqlDataSource dataSource,
    ConsumerOffsetStore offsets,
    ILogger<TransactionalKafkaConsumer> logger)
{
    static readonly ActivitySource Source = new("Pipeline.Ingestion");
    static readonly Meter Meter = new("Pipeline.Ingestion");
    static readonly Counter<long> Records = Meter.CreateCounter<long>("pipeline.ingestion.records", "{record}");
    static readonly Counter<long> Gaps = Meter.CreateCounter<long>("pipeline.ingestion.offset_gaps", "{gap}");
    static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>("pipeline.ingestion.batch.duration", "s");

    public sealed record Options(string Topic, int MaxBatch = 5000, int MaxWaitMs = 200);

    /// <summary>Topics whose recreation this process has reported (a restart of the local broker recreates every partition).</summary>
    readonly HashSet<string> _recreatedTopics = [];

    /// <summary>The consumer group whose positions this consumer stores and resumes.</summary>
    public string Group => consumers.GroupId;

    /// <summary>
    /// Consumes until cancelled. Collecting and preparing the next batch overlaps storing the current one (the client on
    /// one core, PostgreSQL on the other); at most one prepared batch waits. A revoked partition is given up only once
    /// every batch handed over from it is stored, and its records still being collected are dropped, so its next owner
    /// resumes from the offsets stored with the rows and nothing is handled twice.
    /// </summary>
    public async Task RunAsync<TRows>(Options options, IKafkaBatchHandler<TRows> handler, Func<OffsetGap, CancellationToken, Task>? onGap, CancellationToken ct)
    {
        var prepared = Channel.CreateBounded<CollectedBatch<TRows>>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var storeEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var collecting = new List<ConsumeResult<byte[]?, byte[]?>>();
        CollectedBatch<TRows>? lastHandedOver = null;
        var expected = new Dictionary<int, long>();
        // Both handlers run inside Consume, on the collecting thread.
        using var consumer = consumers.Create(builder => builder
            .SetPartitionsAssignedHandler((_, assigned) =>
            {
                var stored = offsets.ReadAsync(Group, options.Topic, ct).GetAwaiter().GetResult();
                foreach (var tp in assigned) expected[tp.Partition.Value] = stored.GetValueOrDefault(tp.Partition.Value, 0);
                logger.LogInformation("{Group} assigned {Topic} partitions [{Partitions}]", Group, options.Topic, string.Join(",", assigned.Select(a => a.Partition.Value)));
                return ConsumerOffsetStore.ResumePositions(assigned, stored);
            })
            .SetPartitionsRevokedHandler((_, revoked) =>
            {
                var partitions = revoked.Select(tp => tp.Partition.Value).ToHashSet();
                collecting.RemoveAll(r => partitions.Contains(r.Partition.Value));
                if (lastHandedOver is { } last) Task.WaitAny(last.Stored.Task, storeEnded.Task);
                foreach (var partition in partitions) expected.Remove(partition);
            }));
        consumer.Subscribe(options.Topic);
        using var stopCollecting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var collector = Task.Run(async () =>
        {
            try
            {
                while (!stopCollecting.IsCancellationRequested)
                {
                    collecting = [];
                    Collect(consumer, options, collecting, stopCollecting.Token);
                    if (collecting.Count == 0) continue;
                    lastHandedOver = Prepare(collecting, expected, options, handler, stopCollecting.Token);
                    await prepared.Writer.WriteAsync(lastHandedOver, stopCollecting.Token);
                }
                prepared.Writer.TryComplete();
            }
            catch (Exception e)
            {
                prepared.Writer.TryComplete(e is OperationCanceledException ? null : e);
                throw;
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var batch in prepared.Reader.ReadAllAsync(ct))
            {
                await StoreWithRetryAsync(batch, options, handler, ct);
                StoreInKafka(consumer, batch.Records);
                batch.Stored.SetResult();
                foreach (var gap in batch.Gaps)
                {
                    logger.LogError("data loss: {Topic}[{Partition}] offsets {First}..{Last} were never delivered to {Group}", gap.Topic, gap.Partition, gap.FirstMissing, gap.LastMissing, Group);
                    if (onGap is not null) await onGap(gap, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            storeEnded.TrySetResult();
            await stopCollecting.CancelAsync();
            try { await collector; }
            catch (OperationCanceledException) { }
            consumer.Close();
        }
    }

    CollectedBatch<TRows> Prepare<TRows>(List<ConsumeResult<byte[]?, byte[]?>> records, Dictionary<int, long> expected, Options options, IKafkaBatchHandler<TRows> handler, CancellationToken ct)
    {
        using var span = Source.StartActivity($"{options.Topic} receive", ActivityKind.Consumer);
        span?.SetTag("messaging.system", "kafka");
        span?.SetTag("messaging.destination.name", options.Topic);
        span?.SetTag("messaging.batch.message_count", records.Count);
        return new CollectedBatch<TRows>(records, FindGaps(records, expected, options.Topic), handler.Prepare(records, ct));
    }

    /// <summary>
    /// Kafka's own committed offsets are informational (lag tools); the truth is in PostgreSQL. They are handed to
    /// librdkafka, which commits them in the background: a synchronous commit per batch cost up to a tenth of its time.
    /// </summary>
    void StoreInKafka(IConsumer<byte[]?, byte[]?> consumer, List<ConsumeResult<byte[]?, byte[]?>> records)
    {
        foreach (var partition in records.GroupBy(r => r.TopicPartition))
        {
            try
            {
                consumer.StoreOffset(new TopicPartitionOffset(partition.Key, partition.Max(r => r.Offset.Value) + 1));
            }
            catch (KafkaException e)
            {
                logger.LogDebug("{Group}: {Partition} offset not kept for Kafka ({Reason}); PostgreSQL holds it", Group, partition.Key, e.Error.Reason);
            }
        }
    }

    /// <summary>Records collected in one poll window, the gaps found before them, their rows, and whether they are stored yet.</summary>
    sealed record CollectedBatch<TRows>(List<ConsumeResult<byte[]?, byte[]?>> Records, List<OffsetGap> Gaps, TRows Rows)
    {
        public TaskCompletionSource Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Fills <paramref name="batch"/> with what arrives within one poll window, up to the batch size.</summary>
    void Collect(IConsumer<byte[]?, byte[]?> consumer, Options options, List<ConsumeResult<byte[]?, byte[]?>> batch, CancellationToken ct)
    {
        // Poll in short steps rather than block until a message, so that cancellation is seen.
        var first = Consume(consumer, TimeSpan.FromMilliseconds(500));
        ct.ThrowIfCancellationRequested();
        if (first?.Message is null) return;
        batch.Add(first);
        var window = Stopwatch.StartNew();
        while (batch.Count < options.MaxBatch && window.ElapsedMilliseconds < options.MaxWaitMs)
        {
            var next = Consume(consumer, TimeSpan.FromMilliseconds(Math.Max(1, options.MaxWaitMs - window.ElapsedMilliseconds)));
            if (next?.Message is null) break;
            batch.Add(next);
        }
    }

    /// <summary>
    /// librdkafka reports passing conditions as consume errors, e.g. a subscribed topic that does not exist yet (the
    /// producer creates it with its first message); they end the poll, not the consumer.
    /// </summary>
    ConsumeResult<byte[]?, byte[]?>? Consume(IConsumer<byte[]?, byte[]?> consumer, TimeSpan timeout)
    {
        try
        {
            return consumer.Consume(timeout);
        }
        catch (ConsumeException e) when (!e.Error.IsFatal)
        {
            logger.LogWarning("{Group}: {Reason}", Group, e.Error.Reason);
            return null;
        }
    }

    /// <summary>
    /// Compares each partition's offsets with the next one expected. A jump forward is a gap (data lost before it was
    /// consumed); a jump backward means the topic was recreated (the local broker keeps nothing across restarts), so
    /// counting starts again.
    /// </summary>
    List<OffsetGap> FindGaps(List<ConsumeResult<byte[]?, byte[]?>> records, Dictionary<int, long> expected, string topic)
    {
        var gaps = new List<OffsetGap>();
        foreach (var record in records)
        {
            var partition = record.Partition.Value;
            var offset = record.Offset.Value;
            if (expected.TryGetValue(partition, out var next) && offset != next)
            {
                if (offset > next) gaps.Add(new OffsetGap(topic, partition, next, offset - 1));
                else if (_recreatedTopics.Add(topic)) // once per topic, not once per partition
                    logger.LogWarning("{Topic}[{Partition}] restarted at offset {Offset} below the stored {Next}: the topic was recreated; its other partitions start again too", topic, partition, offset, next);
            }
            expected[partition] = offset + 1;
        }
        return gaps;
    }

    async Task StoreWithRetryAsync<TRows>(CollectedBatch<TRows> collected, Options options, IKafkaBatchHandler<TRows> handler, CancellationToken ct)
    {
        var (records, gaps) = (collected.Records, collected.Gaps);
        for (var attempt = 1; ; attempt++)
        {
            using var span = Source.StartActivity($"{options.Topic} process", ActivityKind.Consumer);
            span?.SetTag("messaging.system", "kafka");
            span?.SetTag("messaging.destination.name", options.Topic);
            span?.SetTag("messaging.batch.message_count", records.Count);
            var clock = Stopwatch.StartNew();
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                await using var tx = await connection.BeginTransactionAsync(ct);
                var batch = new KafkaBatch(records, connection, tx);
                await handler.StoreAsync(batch, collected.Rows, ct);
                foreach (var gap in gaps) await ConsumerOffsetStore.RecordGapAsync(batch, Group, gap, ct);
                await ConsumerOffsetStore.SaveAsync(batch, Group, ct);
                await tx.CommitAsync(ct);
                Records.Add(records.Count, new KeyValuePair<string, object?>("topic", options.Topic));
                Gaps.Add(gaps.Count, new KeyValuePair<string, object?>("topic", options.Topic));
                BatchDuration.Record(clock.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("topic", options.Topic));
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
            {
                // The batch is still in memory and its offsets are not stored: retrying it loses and duplicates nothing.
                var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 200 * Math.Pow(2, Math.Min(attempt, 8))));
                span?.SetStatus(ActivityStatusCode.Error, e.Message);
                logger.LogWarning("{Topic} batch of {Count} not stored (attempt {Attempt}): {Error}; retrying in {Delay}", options.Topic, records.Count, attempt, e.Message, delay);
                await Task.Delay(delay, ct);
            }
        }
    }
}
