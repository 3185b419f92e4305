-- Times are timestamptz (microseconds); JSON that is only read back whole
-- is json (kept verbatim, cheaper to write and read than jsonb); the
-- incident state is jsonb so that it can be queried and indexed later.

-- +goose Up
CREATE TABLE teams (
    id         text PRIMARY KEY,
    slug       text NOT NULL,
    name       text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX teams_slug_key ON teams (slug);

CREATE TABLE users (
    id         text PRIMARY KEY,
    handle     text NOT NULL,
    name       text NOT NULL,
    email      text NOT NULL,
    time_zone  text NOT NULL,
    team_id    text REFERENCES teams (id),
    role       text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_handle_key ON users (handle);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE services (
    id          text PRIMARY KEY,
    slug        text NOT NULL,
    name        text NOT NULL,
    description text NOT NULL,
    team_id     text REFERENCES teams (id),
    dashboards  json NOT NULL,
    runbooks    json NOT NULL,
    rpo         bigint NOT NULL,
    rto         bigint NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX services_slug_key ON services (slug);

CREATE TABLE tokens (
    id           text PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    secret_hash  text NOT NULL,
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE UNIQUE INDEX tokens_secret_hash_key ON tokens (secret_hash);
CREATE INDEX tokens_user ON tokens (user_id, created_at);

CREATE TABLE counters (
    name  text PRIMARY KEY,
    value bigint NOT NULL
);
INSERT INTO counters (name, value) VALUES ('incident', 0);

CREATE TABLE incidents (
    id          text PRIMARY KEY,
    number      bigint NOT NULL,
    title       text NOT NULL,
    summary     text NOT NULL,
    severity    text NOT NULL,
    stage       text NOT NULL,
    open        boolean NOT NULL,
    major       boolean NOT NULL,
    private     boolean NOT NULL,
    search      text NOT NULL, -- lower-cased ref, title and summary
    declared_at timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    version     bigint NOT NULL,
    state       jsonb NOT NULL
);
CREATE UNIQUE INDEX incidents_number_key ON incidents (number);
CREATE INDEX incidents_open_number ON incidents (open, number);

CREATE TABLE incident_events (
    incident_id text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    type        text NOT NULL,
    at          timestamptz NOT NULL,
    actor_id    text NOT NULL,
    data        json NOT NULL,
    PRIMARY KEY (incident_id, seq)
);

CREATE TABLE incident_participants (
    incident_id text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    user_id     text NOT NULL,
    PRIMARY KEY (incident_id, user_id)
);

CREATE TABLE incident_services (
    incident_id text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    service_id  text NOT NULL,
    PRIMARY KEY (incident_id, service_id)
);
CREATE INDEX incident_services_service ON incident_services (service_id, incident_id);

CREATE TABLE idempotency_keys (
    user_id      text NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    result       json NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);

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
