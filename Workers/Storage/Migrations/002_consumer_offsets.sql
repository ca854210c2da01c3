-- Kafka positions stored with the data they produced: a batch's rows and its next offsets commit together,
-- so a crash replays at most an uncommitted batch and never applies one twice.
CREATE TABLE IF NOT EXISTS pipeline.consumer_offsets (
    consumer_group text   NOT NULL,
    topic          text   NOT NULL,
    partition      int    NOT NULL,
    next_offset    bigint NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);

-- Offset ranges that were never seen (for example dropped by the broker's retention before being consumed).
-- Never skipped silently: recorded here, surfaced in health, and for replayable sources re-requested.
CREATE TABLE IF NOT EXISTS pipeline.data_loss (
    id             bigserial PRIMARY KEY,
    consumer_group text   NOT NULL,
    topic          text   NOT NULL,
    partition      int    NOT NULL,
    first_missing  bigint NOT NULL,
    last_missing   bigint NOT NULL,
    detected_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at    timestamptz,
    resolution     text,
    UNIQUE (consumer_group, topic, partition, first_missing)
);
