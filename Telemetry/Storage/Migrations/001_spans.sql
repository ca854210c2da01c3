CREATE SCHEMA IF NOT EXISTS telemetry;

-- One row per span as exported over OTLP; times are kept in unix nanoseconds (exact) and as timestamptz (queries).
CREATE TABLE telemetry.spans (
    trace_id        text        NOT NULL,
    span_id         text        NOT NULL,
    parent_span_id  text,
    name            text        NOT NULL,
    kind            smallint    NOT NULL,
    service_name    text        NOT NULL,
    scope_name      text,
    start_ns        bigint      NOT NULL,
    end_ns          bigint      NOT NULL,
    start_time      timestamptz NOT NULL,
    status_code     smallint    NOT NULL,
    status_message  text,
    attributes      jsonb       NOT NULL DEFAULT '{}',
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (trace_id, span_id));

CREATE INDEX spans_start_time ON telemetry.spans (start_time DESC);
CREATE INDEX spans_service_start_time ON telemetry.spans (service_name, start_time DESC);
