-- The trades page and GET /api/trades/products sort the statistics by any column and page through them. With tens of
-- thousands of products, sorting the whole table on every request cost 100-400 ms; with one index per sort key a page
-- is a short index scan. Each index ends with the rest of the primary key, the tie-breaker, and a descending sort
-- reverses the whole key (TradeReports), so the same index read backwards serves it. Sorting by product uses the primary
-- key; the delivery_area index also serves the area filter and its count.
CREATE INDEX IF NOT EXISTS product_stats_by_total_volume ON pipeline.product_stats (total_volume, product, delivery_start, delivery_end, delivery_area);
CREATE INDEX IF NOT EXISTS product_stats_by_trade_count ON pipeline.product_stats (trade_count, product, delivery_start, delivery_end, delivery_area);
CREATE INDEX IF NOT EXISTS product_stats_by_avg_price ON pipeline.product_stats (avg_price, product, delivery_start, delivery_end, delivery_area);
CREATE INDEX IF NOT EXISTS product_stats_by_vwap ON pipeline.product_stats (vwap, product, delivery_start, delivery_end, delivery_area);
CREATE INDEX IF NOT EXISTS product_stats_by_min_price ON pipeline.product_stats (min_price, product, delivery_start, delivery_end, delivery_area);
CREATE INDEX IF NOT EXISTS product_stats_by_max_price ON pipeline.product_stats (max_price, product, delivery_start, delivery_end, delivery_area);
CREATE INDEX IF NOT EXISTS product_stats_by_stddev_price ON pipeline.product_stats (stddev_price NULLS FIRST, product, delivery_start, delivery_end, delivery_area);
CREATE INDEX IF NOT EXISTS product_stats_by_delivery_start ON pipeline.product_stats (delivery_start, product, delivery_end, delivery_area);
CREATE INDEX IF NOT EXISTS product_stats_by_area ON pipeline.product_stats (delivery_area, product, delivery_start, delivery_end);
