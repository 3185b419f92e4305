-- Reliability metrics (issue 13): each incident's Lifecycle (the times
-- its metrics run between, warroom.FoldLifecycle of its events), kept in
-- the transaction that appends the events, so that a report over every
-- incident reads one row per incident instead of folding timelines.
-- The report filters on declared_at and private; data is the rest of the
-- Lifecycle in one line of tab-separated fields (sqlstore/metrics.go,
-- encodeLifecycle), because reading one text column is several times
-- faster than reading twenty-odd columns for 100,000 rows.

-- +goose Up
CREATE TABLE incident_lifecycles (
    incident_id text PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    declared_at timestamptz NOT NULL,
    private     boolean NOT NULL,
    data        text NOT NULL
);
-- No index on declared_at: a report reads the incidents declared before
-- its end, nearly all of them, and a scan of the table is faster than
-- the index and a look-up per row.

-- On-call load reads the pages sent in a window.
CREATE INDEX messages_pages_sent ON messages (sent_at) WHERE kind = 'page' AND sent_at IS NOT NULL;

-- /metrics counts the open incidents by severity and stage at every
-- scrape: from this index alone, without reading their rows.
CREATE INDEX incidents_open_severity_stage ON incidents (open, severity, stage);

-- +goose Down
DROP INDEX incidents_open_severity_stage;
DROP INDEX messages_pages_sent;
DROP TABLE incident_lifecycles;
