-- Results of the trade pipeline, recomputed per financial product by the workflow's activities. Each activity
-- replaces the rows of the products (or delivery days) it recomputed, in the engine's transaction, so a retried or
-- re-run window never duplicates a row.

-- Statistics per financial product (Product x DeliveryStart x DeliveryEnd x DeliveryArea). A trade counts once
-- per TradeId (its SELL leg when both legs exist).
CREATE TABLE IF NOT EXISTS pipeline.product_stats (
    product        text        NOT NULL,
    delivery_start timestamptz NOT NULL,
    delivery_end   timestamptz NOT NULL,
    delivery_area  text        NOT NULL,
    delivery_date  date        NOT NULL,           -- market time (CET/CEST)
    trade_count    int         NOT NULL,
    avg_price      double precision NOT NULL,
    vwap           double precision NOT NULL,
    avg_volume     double precision NOT NULL,
    total_volume   double precision NOT NULL,
    min_price      double precision NOT NULL,
    max_price      double precision NOT NULL,
    stddev_price   double precision,                -- sample standard deviation; NULL for a single trade
    computed_at    timestamptz NOT NULL DEFAULT now(),
    run_id         text,                            -- the workflow run that computed it
    PRIMARY KEY (product, delivery_start, delivery_end, delivery_area)
);
CREATE INDEX IF NOT EXISTS product_stats_day ON pipeline.product_stats (delivery_date, delivery_area);

-- Top products by total volume: scope 'deliveryDayArea' (per delivery day and area) or 'overall' (over every
-- stored product; delivery_date is then '-infinity' and delivery_area '*').
CREATE TABLE IF NOT EXISTS pipeline.top_products (
    scope          text        NOT NULL,
    delivery_date  date        NOT NULL,
    delivery_area  text        NOT NULL,
    rank           int         NOT NULL,
    product        text        NOT NULL,
    delivery_start timestamptz NOT NULL,
    delivery_end   timestamptz NOT NULL,
    product_area   text        NOT NULL,
    total_volume   double precision NOT NULL,
    trade_count    int         NOT NULL,
    vwap           double precision NOT NULL,
    computed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, delivery_date, delivery_area, rank)
);

-- Price anomalies with how they were found: method, score, threshold and the reference value (e.g. the median).
CREATE TABLE IF NOT EXISTS pipeline.price_anomalies (
    trade_id       bigint      NOT NULL,
    method         text        NOT NULL,
    product        text        NOT NULL,
    delivery_start timestamptz NOT NULL,
    delivery_end   timestamptz NOT NULL,
    delivery_area  text        NOT NULL,
    delivery_date  date        NOT NULL,
    execution_time timestamptz NOT NULL,
    price          double precision NOT NULL,
    volume         double precision NOT NULL,
    score          double precision NOT NULL,
    threshold      double precision NOT NULL,
    reference      double precision NOT NULL,
    detected_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (trade_id, method)
);
CREATE INDEX IF NOT EXISTS price_anomalies_product ON pipeline.price_anomalies (product, delivery_start, delivery_end, delivery_area);

-- Data-quality findings, e.g. BUY and SELL legs of one TradeId that disagree in price or volume.
CREATE TABLE IF NOT EXISTS pipeline.trade_findings (
    trade_id       bigint      NOT NULL,
    kind           text        NOT NULL,
    detail         text        NOT NULL,
    found_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (trade_id, kind)
);

-- Parquet exports published to the lake: one row per export of a delivery day and area, with its manifest.
CREATE TABLE IF NOT EXISTS pipeline.lake_exports (
    delivery_date  date        NOT NULL,
    delivery_area  text        NOT NULL,
    prefix         text        NOT NULL,
    manifest       jsonb       NOT NULL,
    exported_at    timestamptz NOT NULL DEFAULT now(),
    run_id         text,
    PRIMARY KEY (delivery_date, delivery_area)
);

-- Where live mode has got to: trades ingested up to this instant have been sealed into a window.
CREATE TABLE IF NOT EXISTS pipeline.trade_watermark (
    id        int PRIMARY KEY CHECK (id = 1),
    sealed_to timestamptz NOT NULL
);
