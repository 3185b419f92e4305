-- The alert incident limit (warroom.AlertIncidentLimit): at most so many
-- incidents declared from the alerts of one service per window; the new
-- alert groups past it join the service's newest open incident.

-- +goose Up

-- The incidents declared from alerts, by routing (routed: they count
-- against the limit) or by a person declaring from an alert (not
-- counted; kept so that declaring from the alert again is refused).
CREATE TABLE alert_declarations (
    service_id  TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    alert_id    TEXT NOT NULL,
    declared_at INTEGER NOT NULL,
    routed      INTEGER NOT NULL,
    PRIMARY KEY (service_id, incident_id)
) STRICT;
CREATE INDEX alert_declarations_recent ON alert_declarations (service_id, declared_at) WHERE routed;
CREATE INDEX alert_declarations_alert ON alert_declarations (alert_id);

-- One row per service that routing declared or folded for. The row is
-- the lock that serializes deciding the limit for the service
-- (DeclareForAlert upserts it), so that processes declaring at once
-- never together exceed it; it also counts the groups folded into the
-- service's newest open incident (folded_into), for the timeline's
-- rolled-up notes.
CREATE TABLE alert_incident_limits (
    service_id  TEXT PRIMARY KEY,
    folded_into TEXT,
    folded      INTEGER NOT NULL DEFAULT 0
) STRICT;

-- How an alert group came to its incident: declared for it, attached by
-- a rule to the service's open incident, or folded into it by the limit.
-- Only the last two can be split out by declaring from one of its alerts.
ALTER TABLE alert_group_incidents ADD COLUMN how TEXT NOT NULL DEFAULT 'declared';

-- +goose Down
ALTER TABLE alert_group_incidents DROP COLUMN how;
DROP TABLE alert_incident_limits;
DROP TABLE alert_declarations;
