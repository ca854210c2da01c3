-- Price reports (PriceReportWorkflow): one row per report, its per-symbol statistics, its outliers and the first
-- rejected messages. A report is identified by its workflow ID; the activity replaces all of a report's rows in one
-- transaction, so a retried or re-run report never duplicates a row.
CREATE TABLE IF NOT EXISTS pipeline.price_reports (
    report_id      text        PRIMARY KEY,
    run_id         text        NOT NULL,           -- the workflow run that wrote it
    topic          text        NOT NULL,
    threshold      double precision NOT NULL,      -- outliers: |z| above this
    z_score_basis  text        NOT NULL,           -- which statistics the z-scores use, in words
    tick_count     bigint      NOT NULL,
    rejected_count bigint      NOT NULL,           -- messages that are not ticks (reasons of the first ones in price_report_rejects)
    outlier_count  int         NOT NULL,
    partitions     jsonb       NOT NULL,           -- [{partition, low, high}]: the offsets read, up to the high-water marks at start
    started_at     timestamptz NOT NULL,
    completed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS price_reports_completed ON pipeline.price_reports (completed_at DESC);

-- Standard deviation is the sample one (n - 1; 0 for a single tick).
CREATE TABLE IF NOT EXISTS pipeline.price_report_symbols (
    report_id     text   NOT NULL REFERENCES pipeline.price_reports ON DELETE CASCADE,
    symbol        text   NOT NULL,
    tick_count    bigint NOT NULL,
    min_price     double precision NOT NULL,
    max_price     double precision NOT NULL,
    mean_price    double precision NOT NULL,
    stddev_price  double precision NOT NULL,
    outlier_count int    NOT NULL,
    PRIMARY KEY (report_id, symbol)
);

-- ordinal: rank by |z| descending within the report.
CREATE TABLE IF NOT EXISTS pipeline.price_report_outliers (
    report_id text        NOT NULL REFERENCES pipeline.price_reports ON DELETE CASCADE,
    ordinal   int         NOT NULL,
    ts        timestamptz NOT NULL,
    symbol    text        NOT NULL,
    price     double precision NOT NULL,
    z_score   double precision NOT NULL,
    PRIMARY KEY (report_id, ordinal)
);
CREATE INDEX IF NOT EXISTS price_report_outliers_symbol ON pipeline.price_report_outliers (report_id, symbol);

-- The first rejected messages of a report (PriceReportBuilder.InvalidExamplesKept): where, why, and the payload as received.
CREATE TABLE IF NOT EXISTS pipeline.price_report_rejects (
    report_id text NOT NULL REFERENCES pipeline.price_reports ON DELETE CASCADE,
    ordinal   int  NOT NULL,
    location  text NOT NULL,
    reason    text NOT NULL,
    payload   text NOT NULL,
    PRIMARY KEY (report_id, ordinal)
);
