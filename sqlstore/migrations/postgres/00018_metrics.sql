-- Reliability metrics (issue 13): each incident's Lifecycle (the times
-- its metrics run between, warroom.FoldLifecycle of its events), kept in
-- the transaction that appends the events, so that a report over every
-- incident reads one row per incident instead of folding timelines.
-- Times are timestamptz; NULL is a time
-- nobody recorded. services is the incident's service IDs separated by
-- spaces.

-- +goose Up
CREATE TABLE incident_lifecycles (
    incident_id       text PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    number            bigint NOT NULL,
    severity          text NOT NULL,
    stage             text NOT NULL,
    detection         text NOT NULL,
    private           boolean NOT NULL,
    major             boolean NOT NULL,
    customer_affected boolean NOT NULL,
    services          text NOT NULL,
    cluster           text NOT NULL,
    declared_at       timestamptz NOT NULL,
    detected_at       timestamptz NOT NULL,
    impact_started_at timestamptz,
    acknowledged_at   timestamptz,
    identified_at     timestamptz,
    fixed_at          timestamptz,
    recovered_at      timestamptz,
    baseline_at       timestamptz,
    resolved_at       timestamptz,
    closed_at         timestamptz,
    major_at          timestamptz,
    recovery_point    timestamptz,
    recovered_before  bigint NOT NULL, -- microseconds
    relapses          bigint NOT NULL,
    reopened          bigint NOT NULL,
    version           bigint NOT NULL
);
CREATE INDEX incident_lifecycles_declared ON incident_lifecycles (declared_at);

-- On-call load reads the pages sent in a window.
CREATE INDEX messages_pages_sent ON messages (sent_at) WHERE kind = 'page' AND sent_at IS NOT NULL;

-- +goose Down
DROP INDEX messages_pages_sent;
DROP TABLE incident_lifecycles;
