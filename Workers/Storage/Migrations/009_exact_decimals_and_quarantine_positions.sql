-- Quarantine: one row per rejected record, keyed by its position at the source (file.csv:line,
-- topic[partition]@offset) and its bytes, no longer by (origin, payload hash), which merged the BUY and SELL legs of
-- one conflicting trade into one row and let one row stand for several received records. Replaying a position (a file
-- imported again, a batch retried) still counts an occurrence instead of adding a row.
ALTER TABLE pipeline.trade_quarantine DROP CONSTRAINT IF EXISTS trade_quarantine_origin_payload_sha256_key;
UPDATE pipeline.trade_quarantine SET location = origin || '#' || id WHERE location IS NULL;
ALTER TABLE pipeline.trade_quarantine ALTER COLUMN location SET NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS trade_quarantine_position ON pipeline.trade_quarantine (location, payload_sha256);

-- Exact decimals: the exchange sends prices and volumes as decimal strings and pipeline.trades keeps them as numeric
-- with the scale each value arrived with. The results computed from them were double precision, so a total volume
-- could read 1451.9000000000008. Totals and extremes (and an anomaly's own price and volume) are now numeric, the
-- exact sums and values; averages, VWAP, the standard deviation and scores stay double precision (statistics, not
-- amounts). Existing rows are converted by PostgreSQL's cast (15 significant digits, which drops such noise) and are
-- recomputed exactly the next time their partition runs.
ALTER TABLE pipeline.product_stats
    ALTER COLUMN total_volume TYPE numeric USING total_volume::numeric,
    ALTER COLUMN min_price TYPE numeric USING min_price::numeric,
    ALTER COLUMN max_price TYPE numeric USING max_price::numeric;
ALTER TABLE pipeline.top_products ALTER COLUMN total_volume TYPE numeric USING total_volume::numeric;
ALTER TABLE pipeline.price_anomalies
    ALTER COLUMN price TYPE numeric USING price::numeric,
    ALTER COLUMN volume TYPE numeric USING volume::numeric;
