-- Tracker settings and the tickets warroom makes in GitHub Issues or Jira
-- (package tracker, docs/trackers.md; issue 12, items 8 and 9).
--
-- A setting names its credentials and webhook secret; the secrets
-- themselves stay in the server's tracker secrets directory, never here
-- (as every outbound secret, migration 00007).

-- +goose Up
CREATE TABLE tracker_configs (
    id             TEXT PRIMARY KEY,
    scope          TEXT NOT NULL,
    scope_id       TEXT NOT NULL,
    kind           TEXT NOT NULL,
    base_url       TEXT NOT NULL,
    project        TEXT NOT NULL,
    credentials    TEXT NOT NULL,
    webhook_secret TEXT NOT NULL DEFAULT '',
    issue_type     TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
) STRICT;
-- One setting per service and per team.
CREATE UNIQUE INDEX tracker_configs_scope ON tracker_configs (scope, scope_id);

-- One ticket per subject (an incident, an action item), made by a
-- leased run so that two runs never make two tickets; want is the state
-- warroom wants it in, state what the tracker last said.
CREATE TABLE tickets (
    id                TEXT PRIMARY KEY,
    subject_kind      TEXT NOT NULL,
    subject_id        TEXT NOT NULL,
    config_id         TEXT NOT NULL,
    tracker           TEXT NOT NULL,
    ticket_key        TEXT NOT NULL DEFAULT '',
    url               TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT '',
    assignee          TEXT NOT NULL DEFAULT '',
    content           TEXT NOT NULL DEFAULT '',
    want              TEXT NOT NULL DEFAULT '',
    parent_key        TEXT NOT NULL DEFAULT '',
    postmortem_url    TEXT NOT NULL DEFAULT '',
    postmortem_linked INTEGER NOT NULL DEFAULT 0,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT '',
    lease_owner       TEXT NOT NULL DEFAULT '',
    lease_until       INTEGER,
    created_at        INTEGER NOT NULL,
    synced_at         INTEGER
) STRICT;
CREATE UNIQUE INDEX tickets_subject ON tickets (subject_kind, subject_id);
-- Webhooks find a ticket by its key.
CREATE INDEX tickets_key ON tickets (tracker, ticket_key);
-- An incident's page lists its action items' tickets.
CREATE INDEX tickets_parent ON tickets (tracker, parent_key);

-- +goose Down
DROP TABLE tickets;
DROP TABLE tracker_configs;
