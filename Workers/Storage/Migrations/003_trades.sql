-- Trade legs as received, one row per (TradeId, Side) whatever the source sends again (a WebSocket reconnect
-- replays history, Kafka redelivers, a file is imported twice).
CREATE TABLE IF NOT EXISTS pipeline.trades (
    trade_id           bigint      NOT NULL,
    side               text        NOT NULL CHECK (side IN ('BUY', 'SELL')),
    remote_trade_id    text        NOT NULL,
    product            text        NOT NULL,
    delivery_start     timestamptz NOT NULL,
    delivery_end       timestamptz NOT NULL,
    execution_time     timestamptz NOT NULL,
    delivery_area      text        NOT NULL,
    trade_phase        text        NOT NULL,
    user_defined_block text        NOT NULL,
    self_trade         text        NOT NULL,
    price              numeric     NOT NULL,
    currency           text        NOT NULL,
    volume             numeric     NOT NULL CHECK (volume > 0),
    volume_unit        text        NOT NULL,
    order_id           bigint      NOT NULL,
    origin             text        NOT NULL,
    ingested_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (trade_id, side),
    CHECK (delivery_end > delivery_start)
);
CREATE INDEX IF NOT EXISTS trades_delivery ON pipeline.trades (delivery_start, delivery_area);
CREATE INDEX IF NOT EXISTS trades_ingested ON pipeline.trades (ingested_at);

-- Records that could not be accepted, with the reason and the payload exactly as received. One row per distinct
-- payload and origin; receiving the same bad payload again counts an occurrence instead of adding a row.
CREATE TABLE IF NOT EXISTS pipeline.trade_quarantine (
    id            bigserial   PRIMARY KEY,
    origin        text        NOT NULL,
    reason        text        NOT NULL,
    payload       bytea       NOT NULL,
    payload_sha256 bytea      NOT NULL,
    location      text,
    occurrences   int         NOT NULL DEFAULT 1,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (origin, payload_sha256)
);
