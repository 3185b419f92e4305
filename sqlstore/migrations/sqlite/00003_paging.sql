-- Paging: integrations and the alerts they deliver, how each service
-- pages, escalation policies, on-call schedules, and how people are
-- reached. Times are INTEGER unix microseconds (UTC) and JSON is TEXT, as
-- in 00001.

-- +goose Up

-- Only the hash of an integration's key is kept.
CREATE TABLE integrations (
    id         TEXT PRIMARY KEY,
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    key_hash   TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX integrations_key_hash_key ON integrations (key_hash);
CREATE INDEX integrations_service ON integrations (service_id, created_at);

-- steps is a JSON array of warroom.EscalationStep; its targets are not
-- foreign keys (checked when the policy is stored).
CREATE TABLE escalation_policies (
    id     TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    steps  TEXT NOT NULL,
    repeat INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX escalation_policies_name_key ON escalation_policies (name);

-- alert_rules is a JSON array of warroom.AlertRule; NULL means the
-- default rules.
CREATE TABLE service_paging (
    service_id           TEXT PRIMARY KEY REFERENCES services (id) ON DELETE CASCADE,
    escalation_policy_id TEXT REFERENCES escalation_policies (id),
    alert_rules          TEXT
) STRICT;

-- definition is the JSON of the whole oncall.Schedule; the columns beside
-- it are what lists and look-ups need.
CREATE TABLE schedules (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    definition TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX schedules_name_key ON schedules (name);

CREATE TABLE contact_methods (
    id      TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    address TEXT NOT NULL
) STRICT;
CREATE INDEX contact_methods_user ON contact_methods (user_id, id);

-- A user's rules in their order; delay is in nanoseconds.
CREATE TABLE notification_rules (
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    contact_method_id TEXT NOT NULL REFERENCES contact_methods (id) ON DELETE CASCADE,
    delay             INTEGER NOT NULL,
    PRIMARY KEY (user_id, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX notification_rules_contact_method ON notification_rules (contact_method_id);

-- An alert is deduplicated by (integration, source, dedup key) among the
-- alerts that are not resolved: open_key is dedup_key until the alert
-- resolves and NULL after, so the partial unique index holds only open
-- alerts, and a trigger after the resolve opens a new alert.
-- No column is a foreign key: an integration's alerts outlive it, the
-- service comes from the integration, UpdateAlert checks the incident,
-- and intake, the hot path, checks no parent row per alert.
-- labels, annotations, details and links are JSON, NULL when empty.
CREATE TABLE alerts (
    id               TEXT PRIMARY KEY,
    service_id       TEXT NOT NULL,
    integration_id   TEXT NOT NULL,
    source           TEXT NOT NULL,
    dedup_key        TEXT NOT NULL,
    open_key         TEXT,
    group_key        TEXT NOT NULL,
    status           TEXT NOT NULL,
    summary          TEXT NOT NULL,
    severity         TEXT NOT NULL,
    labels           TEXT,
    annotations      TEXT,
    details          TEXT,
    links            TEXT,
    starts_at        INTEGER NOT NULL,
    ends_at          INTEGER,
    incident_id      TEXT,
    duplicates       INTEGER NOT NULL,
    duplicate_reason TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    acknowledged_at  INTEGER,
    resolved_at      INTEGER
) STRICT;
CREATE UNIQUE INDEX alerts_open_key ON alerts (integration_id, source, open_key) WHERE open_key IS NOT NULL;
CREATE INDEX alerts_service ON alerts (service_id, created_at);
CREATE INDEX alerts_incident ON alerts (incident_id, created_at) WHERE incident_id IS NOT NULL;
CREATE INDEX alerts_group ON alerts (group_key, created_at) WHERE group_key <> '';
CREATE INDEX alerts_created ON alerts (created_at);

-- +goose Down
DROP TABLE alerts;
DROP TABLE notification_rules;
DROP TABLE contact_methods;
DROP TABLE schedules;
DROP TABLE service_paging;
DROP TABLE escalation_policies;
DROP TABLE integrations;
