CREATE SCHEMA IF NOT EXISTS pipeline;

-- Proof of the wiring Feeds -> Kafka -> Workers -> PostgreSQL; one row per heartbeat, whatever Kafka redelivers.
CREATE TABLE IF NOT EXISTS pipeline.heartbeats (
    source      text        NOT NULL,
    sequence    bigint      NOT NULL,
    sent_at     timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, sequence)
);
