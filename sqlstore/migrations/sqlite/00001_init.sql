-- Times are INTEGER unix microseconds (UTC), the precision PostgreSQL's
-- timestamptz keeps, so both dialects round-trip the same values. JSON is
-- TEXT. Tables are STRICT so that a wrongly typed value fails loudly.

-- +goose Up
CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    slug       TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX teams_slug_key ON teams (slug);

CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    handle     TEXT NOT NULL,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    team_id    TEXT REFERENCES teams (id),
    role       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX users_handle_key ON users (handle);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE services (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    team_id     TEXT REFERENCES teams (id),
    dashboards  TEXT NOT NULL,
    runbooks    TEXT NOT NULL,
    rpo         INTEGER NOT NULL,
    rto         INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX services_slug_key ON services (slug);

CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
) STRICT;
CREATE UNIQUE INDEX tokens_secret_hash_key ON tokens (secret_hash);
CREATE INDEX tokens_user ON tokens (user_id, created_at);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;
INSERT INTO counters (name, value) VALUES ('incident', 0);

CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    number      INTEGER NOT NULL,
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    severity    TEXT NOT NULL,
    stage       TEXT NOT NULL,
    open        INTEGER NOT NULL,
    major       INTEGER NOT NULL,
    private     INTEGER NOT NULL,
    search      TEXT NOT NULL, -- lower-cased ref, title and summary
    declared_at INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    state       TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX incidents_number_key ON incidents (number);
CREATE INDEX incidents_open_number ON incidents (open, number);

-- WITHOUT ROWID clusters a timeline by (incident_id, seq), so reading it
-- is one range scan of the primary key with no lookups into another tree.
CREATE TABLE incident_events (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    type        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    actor_id    TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (incident_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE incident_participants (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL,
    PRIMARY KEY (incident_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE incident_services (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    service_id  TEXT NOT NULL,
    PRIMARY KEY (incident_id, service_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX incident_services_service ON incident_services (service_id, incident_id);

CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    result       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) STRICT;

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE incident_services;
DROP TABLE incident_participants;
DROP TABLE incident_events;
DROP TABLE incidents;
DROP TABLE counters;
DROP TABLE tokens;
DROP TABLE services;
DROP TABLE users;
DROP TABLE teams;
