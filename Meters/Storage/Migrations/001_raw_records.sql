CREATE SCHEMA IF NOT EXISTS meters;

-- Every Kafka record of the meter topic exactly as received, once per position in the log: a redelivery, a
-- restarted consumer or a capture imported twice finds its (topic, partition, offset) already stored.
CREATE TABLE IF NOT EXISTS meters.raw_records (
    topic          text        NOT NULL,
    partition      int         NOT NULL,
    "offset"       bigint      NOT NULL,
    key            bytea,
    value          bytea,
    "timestamp"    timestamptz,
    timestamp_type smallint    NOT NULL CHECK (timestamp_type IN (-1, 0, 1)),
    origin         text        NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition, "offset")
);
CREATE INDEX IF NOT EXISTS raw_records_received ON meters.raw_records (received_at);
