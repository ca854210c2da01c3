namespace Meters.Capture;

/// <summary>Kafka's timestamp types with the protocol's (and Spark's) numbers.</summary>
public enum KafkaTimestampType
{
    NotAvailable = -1,
    CreateTime = 0,
    LogAppendTime = 1,
}

/// <summary>
/// One Kafka record exactly as received: the bytes untouched, where it sat in the log and the broker's timestamp.
/// (Topic, Partition, Offset) identifies it; storing it twice is a no-op.
/// </summary>
public sealed record RawRecord(
    string Topic,
    int Partition,
    long Offset,
    byte[]? Key,
    byte[]? Value,
    DateTime? Timestamp,
    KafkaTimestampType TimestampType);
