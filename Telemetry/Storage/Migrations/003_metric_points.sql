-- One row per metric data point as exported over OTLP (gauge, sum, explicit-bucket histogram). A gauge or sum has
-- value; a histogram has count, sum, min, max, bucket_counts (one more than explicit_bounds) and explicit_bounds.
-- Cumulative points repeat the running totals since start_ns: rates and windows are computed when read.
CREATE TABLE telemetry.metric_points (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_name     text        NOT NULL,
    scope_name       text,
    name             text        NOT NULL,
    description      text,
    unit             text,
    kind             smallint    NOT NULL,  -- 1 gauge, 2 sum, 3 histogram
    temporality      smallint    NOT NULL,  -- OTLP's: 0 unspecified (gauges), 1 delta, 2 cumulative
    is_monotonic     boolean     NOT NULL,
    attributes       jsonb       NOT NULL DEFAULT '{}',
    start_ns         bigint      NOT NULL,  -- 0: unknown
    time_ns          bigint      NOT NULL,
    time             timestamptz NOT NULL,
    value            double precision,
    count            bigint,
    sum              double precision,
    min              double precision,
    max              double precision,
    bucket_counts    bigint[],
    explicit_bounds  double precision[],
    received_at      timestamptz NOT NULL DEFAULT now());

CREATE INDEX metric_points_name_time ON telemetry.metric_points (name, time_ns DESC);
CREATE INDEX metric_points_time ON telemetry.metric_points (time);
