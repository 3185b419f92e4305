-- Postmortems and action items (issue 12, docs/postmortems.md): records
-- of their own with their own history; the incident's timeline records
-- only that a postmortem was published or an item done. Times are
-- INTEGER unix microseconds (UTC), as in 00001.

-- +goose Up

-- One row per postmortem someone saved; an incident without one has the
-- empty draft. doc is the JSON of warroom.Postmortem; state and version
-- are kept beside it for lists and the close gate.
CREATE TABLE postmortems (
    incident_id TEXT PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    state       TEXT NOT NULL,
    version     INTEGER NOT NULL,
    doc         TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

-- Every saved version of every section: the document's history.
CREATE TABLE postmortem_revisions (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    section     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    text        TEXT NOT NULL,
    by_user     TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (incident_id, section, version)
) STRICT, WITHOUT ROWID;

-- number counts the items of an incident from 1.
CREATE TABLE action_items (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    title       TEXT NOT NULL,
    owner_id    TEXT NOT NULL,
    criticality TEXT NOT NULL,
    target_date TEXT NOT NULL,
    category    TEXT NOT NULL,
    status      TEXT NOT NULL,
    ticket_key  TEXT NOT NULL,
    ticket_url  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    done_at     INTEGER,
    version     INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX action_items_number ON action_items (incident_id, number);
-- "My open action items", by target date.
CREATE INDEX action_items_owner ON action_items (owner_id, target_date);

-- +goose Down
DROP TABLE action_items;
DROP TABLE postmortem_revisions;
DROP TABLE postmortems;
