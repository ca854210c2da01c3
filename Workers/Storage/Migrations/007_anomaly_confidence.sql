-- How sure the robust method is of each finding (0.5-1, see Trades/Analytics); NULL for methods without one.
ALTER TABLE pipeline.price_anomalies ADD COLUMN IF NOT EXISTS confidence double precision;
