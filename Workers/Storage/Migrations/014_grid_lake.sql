-- grid_points keyed by time before series: every reader takes a time window of all series of a dataset and area
-- (the CDC merge of a payload, the gold recomputation of days, the missing-series check, the lake export of a day),
-- which this key reads as one index range instead of the whole dataset. Key lookups still use it (same columns).
ALTER TABLE pipeline.grid_points DROP CONSTRAINT grid_points_pkey;
ALTER TABLE pipeline.grid_points ADD PRIMARY KEY (dataset, area, ts, series);

-- The grid's Parquet on S3 (docs/grid.md, "Lake"): one row per object written, with the fingerprint of the rows it
-- holds. An export writes a partition again only when its rows' fingerprint differs from the one recorded here, and
-- records it after the upload, so a retried or repeated export uploads each changed partition once.
CREATE TABLE IF NOT EXISTS pipeline.grid_exports (
    key         text        PRIMARY KEY,  -- the object's S3 key
    layer       text        NOT NULL,     -- bronze, silver, gold
    table_name  text        NOT NULL,
    area        text        NOT NULL,
    day         date        NOT NULL,     -- the partition's local day
    rows        bigint      NOT NULL,
    bytes       bigint      NOT NULL,
    sha256      text        NOT NULL,     -- of the object, hex
    fingerprint text        NOT NULL,     -- md5 of the partition's rows as the database had them
    exported_at timestamptz NOT NULL
);
