-- The public status page (issue 11, docs/status-page.md): components
-- grouping services, their status history, incidents made public,
-- maintenance windows, subscribers and the outbox of their notices.
-- Times are INTEGER unix microseconds (UTC), as in 00001.

-- +goose Up

-- service_ids, like every list below, is a JSON array.
CREATE TABLE status_components (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    grp           TEXT NOT NULL,
    description   TEXT NOT NULL,
    position      INTEGER NOT NULL,
    service_ids   TEXT NOT NULL,
    manual_status TEXT NOT NULL,
    manual_reason TEXT NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

-- Every change of a component's status, kept for its history; not a
-- foreign key: the history outlives a removed component.
CREATE TABLE status_component_changes (
    id           INTEGER PRIMARY KEY,
    component_id TEXT NOT NULL,
    status       TEXT NOT NULL,
    at           INTEGER NOT NULL,
    source       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    incident_id  TEXT NOT NULL,
    actor_id     TEXT NOT NULL
) STRICT;
CREATE INDEX status_component_changes_at ON status_component_changes (component_id, at);

-- An incident made public: its published title and impact only.
CREATE TABLE status_incidents (
    incident_id   TEXT PRIMARY KEY,
    ref           TEXT NOT NULL,
    slug          TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    impact        TEXT NOT NULL,
    component_ids TEXT NOT NULL,
    started_at    INTEGER NOT NULL,
    published_at  INTEGER NOT NULL,
    resolved_at   INTEGER
) STRICT;
CREATE INDEX status_incidents_started ON status_incidents (started_at);

CREATE TABLE status_maintenance (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    component_ids TEXT NOT NULL,
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    cancelled_at  INTEGER
) STRICT;
CREATE INDEX status_maintenance_ends ON status_maintenance (ends_at);

CREATE TABLE status_maintenance_updates (
    id             TEXT PRIMARY KEY,
    maintenance_id TEXT NOT NULL REFERENCES status_maintenance (id) ON DELETE CASCADE,
    body           TEXT NOT NULL,
    at             INTEGER NOT NULL
) STRICT;
CREATE INDEX status_maintenance_updates_m ON status_maintenance_updates (maintenance_id, at);

-- One row per address and kind; network is the /24 or /64 it came from.
CREATE TABLE status_subscribers (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    address       TEXT NOT NULL,
    address_key   TEXT NOT NULL,
    secret        TEXT NOT NULL,
    component_ids TEXT NOT NULL,
    network       TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    confirmed_at  INTEGER
) STRICT;
CREATE UNIQUE INDEX status_subscribers_address ON status_subscribers (kind, address_key);

-- Subscription requests, counted per address and per network for the
-- rate limits; old rows are deleted as new ones come.
CREATE TABLE status_subscribe_attempts (
    address_key TEXT NOT NULL,
    network     TEXT NOT NULL,
    at          INTEGER NOT NULL
) STRICT;
CREATE INDEX status_subscribe_attempts_address ON status_subscribe_attempts (address_key, at);
CREATE INDEX status_subscribe_attempts_network ON status_subscribe_attempts (network, at);

-- The outbox of notices to subscribers: one row per notice and
-- subscriber (the id is derived from both), sent by the status.drain job.
CREATE TABLE status_deliveries (
    id            TEXT PRIMARY KEY,
    notice_key    TEXT NOT NULL,
    subscriber_id TEXT NOT NULL,
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    state         TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    last_error    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    next_at       INTEGER NOT NULL,
    sent_at       INTEGER
) STRICT;
CREATE INDEX status_deliveries_pending ON status_deliveries (notice_key, state, next_at);
CREATE INDEX status_deliveries_subscriber ON status_deliveries (subscriber_id);

-- +goose Down
DROP TABLE status_deliveries;
DROP TABLE status_subscribe_attempts;
DROP TABLE status_subscribers;
DROP TABLE status_maintenance_updates;
DROP TABLE status_maintenance;
DROP TABLE status_incidents;
DROP TABLE status_component_changes;
DROP TABLE status_components;
