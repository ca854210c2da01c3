-- Meter measurements (docs/meters.md): raw Kafka records as received, the flat measurements parsed from them, the
-- records that did not parse, the cleaned 10 s grid, and each workflow run with its check results and exports.
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

-- Process: one row per raw record that parsed, with its source position. known = a configured series; the rest
-- (the real capture's device123/signalX test rows) are kept for the unknown-series check and never cleaned.
CREATE TABLE IF NOT EXISTS meters.measurements (
    topic          text             NOT NULL,
    partition      int              NOT NULL,
    "offset"       bigint           NOT NULL,
    t_measurement  timestamptz      NOT NULL,
    t_report       timestamptz      NOT NULL,
    device_id      text             NOT NULL,
    signal_name    text             NOT NULL,
    value          double precision NOT NULL,
    known          boolean          NOT NULL,
    run_id         text             NOT NULL,
    PRIMARY KEY (topic, partition, "offset")
);
CREATE INDEX IF NOT EXISTS measurements_series_time ON meters.measurements (device_id, signal_name, t_measurement);

-- Process: raw records that are not meter messages, with the reason and the record as received.
CREATE TABLE IF NOT EXISTS meters.quarantine (
    topic          text        NOT NULL,
    partition      int         NOT NULL,
    "offset"       bigint      NOT NULL,
    reason         text        NOT NULL,
    key            bytea,
    value          bytea,
    run_id         text        NOT NULL,
    PRIMARY KEY (topic, partition, "offset")
);

-- Clean: each configured series on the 10 s grid, one row per grid timestamp; method 'measured' rows carry the
-- source offset (of the raw record in its partition), filled rows ('linear', 'forward-fill') none. Windows are replaced as a whole by a later run.
CREATE TABLE IF NOT EXISTS meters.cleaned (
    device_id      text             NOT NULL,
    signal_name    text             NOT NULL,
    ts             timestamptz      NOT NULL,
    value          double precision NOT NULL,
    method         text             NOT NULL CHECK (method IN ('measured', 'linear', 'forward-fill')),
    source_offset  bigint,
    run_id         text             NOT NULL,
    PRIMARY KEY (device_id, signal_name, ts)
);

-- One row per workflow run (keyed by its workflow ID, so a retried activity updates the same run).
CREATE TABLE IF NOT EXISTS meters.runs (
    run_id         text        PRIMARY KEY,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    status         text        NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    records        int         NOT NULL DEFAULT 0,
    measurements   int         NOT NULL DEFAULT 0,
    unknown        int         NOT NULL DEFAULT 0,
    quarantined    int         NOT NULL DEFAULT 0,
    process_outcome jsonb,                       -- what the process step did, so a retried step returns it again
    exported_files int         NOT NULL DEFAULT 0
);

-- Check: every check's result of a run, passed or not (a failed error-level check marks the run failed).
CREATE TABLE IF NOT EXISTS meters.check_results (
    run_id         text        NOT NULL REFERENCES meters.runs (run_id) ON DELETE CASCADE,
    ordinal        int         NOT NULL,
    check_name     text        NOT NULL,
    severity       text        NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
    passed         boolean     NOT NULL,
    series         text,
    window_start   timestamptz,
    window_end     timestamptz,
    count          bigint      NOT NULL,
    message        text        NOT NULL,
    PRIMARY KEY (run_id, ordinal)
);

-- Export: the lake partition (day, device) as last exported, with its manifest.
CREATE TABLE IF NOT EXISTS meters.exports (
    day            date        NOT NULL,
    device_id      text        NOT NULL,
    manifest_key   text        NOT NULL,
    manifest       jsonb       NOT NULL,
    run_id         text        NOT NULL,
    exported_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, device_id)
);
