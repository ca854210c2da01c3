-- Live windows as sealed, keyed by the ID of the workflow that sealed them. Temporal runs an activity at least once:
-- a seal retried after its first attempt committed finds its window here instead of sealing a second one from the
-- already advanced watermark (which would leave the first window's trades unaggregated).
CREATE TABLE IF NOT EXISTS pipeline.trade_windows (
    window_id       text        PRIMARY KEY,
    ingested_after  timestamptz,                 -- NULL: from the first trade ever ingested
    ingested_up_to  timestamptz NOT NULL,
    partitions      jsonb       NOT NULL,        -- [{"deliveryDate": "2023-01-01", "area": "FR"}, ...]
    sealed_at       timestamptz NOT NULL DEFAULT now()
);
