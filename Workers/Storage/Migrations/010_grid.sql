-- Energy-Charts (docs/grid.md). Bronze: every distinct payload as received, with its URL and when it was fetched.
-- Fetching the same URL again and getting the same bytes counts a fetch instead of adding a row, so a retried
-- activity keeps one row. A payload whose shape the parser rejected is kept too, with the reason, and has no points.
CREATE TABLE IF NOT EXISTS pipeline.grid_fetches (
    id               bigserial   PRIMARY KEY,
    dataset          text        NOT NULL,
    area             text        NOT NULL,
    url              text        NOT NULL,
    payload          bytea       NOT NULL,
    payload_sha256   bytea       NOT NULL,
    first_fetched_at timestamptz NOT NULL,
    last_fetched_at  timestamptz NOT NULL,
    fetches          int         NOT NULL DEFAULT 1,
    rejected_reason  text,
    UNIQUE (url, payload_sha256)
);
CREATE INDEX IF NOT EXISTS grid_fetches_last ON pipeline.grid_fetches (last_fetched_at);

-- Silver: the current value of every point in long format. valid_from is the fetch time its value was first seen.
CREATE TABLE IF NOT EXISTS pipeline.grid_points (
    dataset    text             NOT NULL,
    area       text             NOT NULL,
    series     text             NOT NULL,   -- production type, or 'day-ahead' for prices
    ts         timestamptz      NOT NULL,   -- UTC start of the interval
    value      double precision NOT NULL,
    unit       text             NOT NULL,
    valid_from timestamptz      NOT NULL,
    fetch_id   bigint           NOT NULL REFERENCES pipeline.grid_fetches (id),
    PRIMARY KEY (dataset, area, series, ts)
);

-- History: one row per revision of a stored point. The old value was valid from old_valid_from until changed_at,
-- the fetch time of the payload that brought new_value.
CREATE TABLE IF NOT EXISTS pipeline.grid_point_changes (
    id             bigserial        PRIMARY KEY,
    dataset        text             NOT NULL,
    area           text             NOT NULL,
    series         text             NOT NULL,
    ts             timestamptz      NOT NULL,
    unit           text             NOT NULL,
    old_value      double precision NOT NULL,
    new_value      double precision NOT NULL,
    old_valid_from timestamptz      NOT NULL,
    changed_at     timestamptz      NOT NULL,
    fetch_id       bigint           NOT NULL REFERENCES pipeline.grid_fetches (id)
);
CREATE INDEX IF NOT EXISTS grid_point_changes_ts ON pipeline.grid_point_changes (ts, series);

-- Gold, recomputed per local day (Europe/Berlin) whenever a merge inserted or revised a point of that day.
CREATE TABLE IF NOT EXISTS pipeline.grid_daily_production (
    area       text             NOT NULL,
    day        date             NOT NULL,
    series     text             NOT NULL,
    energy_mwh double precision NOT NULL,  -- sum of quarter-hour MW x 0.25 h; negative where the type consumes
    mean_mw    double precision NOT NULL,
    points     int              NOT NULL,
    PRIMARY KEY (area, day, series)
);

CREATE TABLE IF NOT EXISTS pipeline.grid_daily_price_wind (
    bidding_zone        text             NOT NULL,
    area                text             NOT NULL,
    day                 date             NOT NULL,
    mean_price          double precision NOT NULL,
    price_unit          text             NOT NULL,
    wind_onshore_mwh    double precision,
    wind_offshore_mwh   double precision,
    PRIMARY KEY (bidding_zone, area, day)
);

CREATE TABLE IF NOT EXISTS pipeline.grid_underperformance (
    area            text             NOT NULL,
    series          text             NOT NULL,
    slot_start      timestamptz      NOT NULL,  -- UTC start of the 30-minute slot
    day             date             NOT NULL,  -- its local day
    actual_mw       double precision NOT NULL,
    expected_mw     double precision,           -- NULL: no baseline yet (no earlier days)
    ratio           double precision,
    underperforming boolean          NOT NULL,
    PRIMARY KEY (area, series, slot_start)
);
CREATE INDEX IF NOT EXISTS grid_underperformance_day ON pipeline.grid_underperformance (area, day);
