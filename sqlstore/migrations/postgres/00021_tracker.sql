-- Tracker settings and the tickets warroom makes in GitHub Issues or Jira
-- (package tracker, docs/trackers.md; issue 12, items 8 and 9).
--
-- A setting names its credentials and webhook secret; the secrets
-- themselves stay in the server's tracker secrets directory, never here
-- (as every outbound secret, migration 00007).

-- +goose Up
CREATE TABLE tracker_configs (
    id             text PRIMARY KEY,
    scope          text NOT NULL,
    scope_id       text NOT NULL,
    kind           text NOT NULL,
    base_url       text NOT NULL,
    project        text NOT NULL,
    credentials    text NOT NULL,
    webhook_secret text NOT NULL DEFAULT '',
    issue_type     text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL
);
-- One setting per service and per team.
CREATE UNIQUE INDEX tracker_configs_scope ON tracker_configs (scope, scope_id);

-- One ticket per subject (an incident, an action item), made by a
-- leased run so that two runs never make two tickets; want is the state
-- warroom wants it in, state what the tracker last said.
CREATE TABLE tickets (
    id                text PRIMARY KEY,
    subject_kind      text NOT NULL,
    subject_id        text NOT NULL,
    config_id         text NOT NULL,
    tracker           text NOT NULL,
    ticket_key        text NOT NULL DEFAULT '',
    url               text NOT NULL DEFAULT '',
    state             text NOT NULL DEFAULT '',
    status            text NOT NULL DEFAULT '',
    assignee          text NOT NULL DEFAULT '',
    content           text NOT NULL DEFAULT '',
    want              text NOT NULL DEFAULT '',
    parent_key        text NOT NULL DEFAULT '',
    postmortem_url    text NOT NULL DEFAULT '',
    postmortem_linked INTEGER NOT NULL DEFAULT 0,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        text NOT NULL DEFAULT '',
    lease_owner       text NOT NULL DEFAULT '',
    lease_until       timestamptz,
    created_at        timestamptz NOT NULL,
    synced_at         timestamptz
);
CREATE UNIQUE INDEX tickets_subject ON tickets (subject_kind, subject_id);
-- Webhooks find a ticket by its key.
CREATE INDEX tickets_key ON tickets (tracker, ticket_key);
-- An incident's page lists its action items' tickets.
CREATE INDEX tickets_parent ON tickets (tracker, parent_key);

-- +goose Down
DROP TABLE tickets;
DROP TABLE tracker_configs;
