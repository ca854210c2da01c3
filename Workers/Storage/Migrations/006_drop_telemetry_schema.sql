-- The local OTLP receiver that stored traces, metrics and logs in schema telemetry is gone: the Aspire dashboard
-- (or any OTLP backend) holds telemetry now. Databases kept in .data/ from earlier runs still have the schema.
DROP SCHEMA IF EXISTS telemetry CASCADE;
