-- The public status page (issue 11, docs/status-page.md): components
-- grouping services, their status history, incidents made public,
-- maintenance windows, subscribers and the outbox of their notices.
-- Times are timestamptz.

-- +goose Up

-- service_ids, like every list below, is a JSON array.
CREATE TABLE status_components (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    grp           text NOT NULL,
    description   text NOT NULL,
    position      integer NOT NULL,
    service_ids   text NOT NULL,
    manual_status text NOT NULL,
    manual_reason text NOT NULL,
    created_at    timestamptz NOT NULL
);

-- Every change of a component's status, kept for its history; not a
-- foreign key: the history outlives a removed component.
CREATE TABLE status_component_changes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    component_id text NOT NULL,
    status       text NOT NULL,
    at           timestamptz NOT NULL,
    source       text NOT NULL,
    reason       text NOT NULL,
    incident_id  text NOT NULL,
    actor_id     text NOT NULL
);
CREATE INDEX status_component_changes_at ON status_component_changes (component_id, at);

-- An incident made public: its published title and impact only.
CREATE TABLE status_incidents (
    incident_id   text PRIMARY KEY,
    ref           text NOT NULL,
    slug          text NOT NULL UNIQUE,
    title         text NOT NULL,
    impact        text NOT NULL,
    component_ids text NOT NULL,
    started_at    timestamptz NOT NULL,
    published_at  timestamptz NOT NULL,
    resolved_at   timestamptz
);
CREATE INDEX status_incidents_started ON status_incidents (started_at);

CREATE TABLE status_maintenance (
    id            text PRIMARY KEY,
    title         text NOT NULL,
    description   text NOT NULL,
    component_ids text NOT NULL,
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL,
    cancelled_at  timestamptz
);
CREATE INDEX status_maintenance_ends ON status_maintenance (ends_at);

CREATE TABLE status_maintenance_updates (
    id             text PRIMARY KEY,
    maintenance_id text NOT NULL REFERENCES status_maintenance (id) ON DELETE CASCADE,
    body           text NOT NULL,
    at             timestamptz NOT NULL
);
CREATE INDEX status_maintenance_updates_m ON status_maintenance_updates (maintenance_id, at);

-- One row per address and kind; network is the /24 or /64 it came from.
CREATE TABLE status_subscribers (
    id            text PRIMARY KEY,
    kind          text NOT NULL,
    address       text NOT NULL,
    address_key   text NOT NULL,
    secret        text NOT NULL,
    component_ids text NOT NULL,
    network       text NOT NULL,
    created_at    timestamptz NOT NULL,
    confirmed_at  timestamptz
);
CREATE UNIQUE INDEX status_subscribers_address ON status_subscribers (kind, address_key);

-- Subscription requests, counted per address and per network for the
-- rate limits; old rows are deleted as new ones come.
CREATE TABLE status_subscribe_attempts (
    address_key text NOT NULL,
    network     text NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX status_subscribe_attempts_address ON status_subscribe_attempts (address_key, at);
CREATE INDEX status_subscribe_attempts_network ON status_subscribe_attempts (network, at);

-- The outbox of notices to subscribers: one row per notice and
-- subscriber (the id is derived from both), sent by the status.drain job.
CREATE TABLE status_deliveries (
    id            text PRIMARY KEY,
    notice_key    text NOT NULL,
    subscriber_id text NOT NULL,
    subject       text NOT NULL,
    body          text NOT NULL,
    state         text NOT NULL,
    attempts      integer NOT NULL,
    last_error    text NOT NULL,
    created_at    timestamptz NOT NULL,
    next_at       timestamptz NOT NULL,
    sent_at       timestamptz
);
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
