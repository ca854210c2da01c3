-- Who polled which task queue lately (TemporalServer/Visibility/TaskQueuePollers): DescribeTaskQueue's pollers,
-- which the Web UI shows as a workflow's workers. Written at most every few seconds per poller and server.
CREATE TABLE temporal.task_queue_pollers (
    namespace        text        NOT NULL,
    task_queue       text        NOT NULL,
    kind             smallint    NOT NULL,
    identity         text        NOT NULL,
    last_access_time timestamptz NOT NULL,
    PRIMARY KEY (namespace, task_queue, kind, identity));
