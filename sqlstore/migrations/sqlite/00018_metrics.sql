-- Reliability metrics (issue 13): each incident's Lifecycle (the times
-- its metrics run between, warroom.FoldLifecycle of its events), kept in
-- the transaction that appends the events, so that a report over every
-- incident reads one row per incident instead of folding timelines.
-- Times are INTEGER unix microseconds (UTC), as in 00001; NULL is a time
-- nobody recorded. services is the incident's service IDs separated by
-- spaces.

-- +goose Up
CREATE TABLE incident_lifecycles (
    incident_id       TEXT PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    number            INTEGER NOT NULL,
    severity          TEXT NOT NULL,
    stage             TEXT NOT NULL,
    detection         TEXT NOT NULL,
    private           INTEGER NOT NULL,
    major             INTEGER NOT NULL,
    customer_affected INTEGER NOT NULL,
    services          TEXT NOT NULL,
    cluster           TEXT NOT NULL,
    declared_at       INTEGER NOT NULL,
    detected_at       INTEGER NOT NULL,
    impact_started_at INTEGER,
    acknowledged_at   INTEGER,
    identified_at     INTEGER,
    fixed_at          INTEGER,
    recovered_at      INTEGER,
    baseline_at       INTEGER,
    resolved_at       INTEGER,
    closed_at         INTEGER,
    major_at          INTEGER,
    recovery_point    INTEGER,
    recovered_before  INTEGER NOT NULL, -- microseconds
    relapses          INTEGER NOT NULL,
    reopened          INTEGER NOT NULL,
    version           INTEGER NOT NULL
) STRICT;
CREATE INDEX incident_lifecycles_declared ON incident_lifecycles (declared_at);

-- On-call load reads the pages sent in a window.
CREATE INDEX messages_pages_sent ON messages (sent_at) WHERE kind = 'page' AND sent_at IS NOT NULL;

-- +goose Down
DROP INDEX messages_pages_sent;
DROP TABLE incident_lifecycles;
