CREATE TABLE telemetry.logs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time_ns          bigint      NOT NULL,
    time             timestamptz NOT NULL,
    service_name     text        NOT NULL,
    scope_name       text,
    severity_number  int         NOT NULL,
    severity_text    text,
    body             text        NOT NULL,
    attributes       jsonb       NOT NULL DEFAULT '{}',
    trace_id         text,
    span_id          text,
    received_at      timestamptz NOT NULL DEFAULT now());

CREATE INDEX logs_time ON telemetry.logs (time DESC);
CREATE INDEX logs_trace_id ON telemetry.logs (trace_id) WHERE trace_id IS NOT NULL;
