-- A task that completes in time drops its timeout timer in the same transaction (ExecutionStore.SaveAsync), rather
-- than leaving it to fire later as a no-op transaction that locks the run: that needs the run's timers by run id.
CREATE INDEX timers_by_run ON temporal.timers (run_id, kind, scheduled_event_id, attempt);
