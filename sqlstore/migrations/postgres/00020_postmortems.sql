-- Postmortems and action items (issue 12, docs/postmortems.md): records
-- of their own with their own history; the incident's timeline records
-- only that a postmortem was published or an item done. Times are
-- timestamptz.

-- +goose Up

-- One row per postmortem someone saved; an incident without one has the
-- empty draft. doc is the JSON of warroom.Postmortem; state and version
-- are kept beside it for lists and the close gate.
CREATE TABLE postmortems (
    incident_id text PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    state       text NOT NULL,
    version     bigint NOT NULL,
    doc         text NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- Every saved version of every section: the document's history.
CREATE TABLE postmortem_revisions (
    incident_id text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    section     text NOT NULL,
    version     bigint NOT NULL,
    text        text NOT NULL,
    by_user     text NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (incident_id, section, version)
);

-- number counts the items of an incident from 1.
CREATE TABLE action_items (
    id          text PRIMARY KEY,
    incident_id text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    number      bigint NOT NULL,
    title       text NOT NULL,
    owner_id    text NOT NULL,
    criticality text NOT NULL,
    target_date text NOT NULL,
    category    text NOT NULL,
    status      text NOT NULL,
    ticket_key  text NOT NULL,
    ticket_url  text NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    done_at     timestamptz,
    version     bigint NOT NULL
);
CREATE UNIQUE INDEX action_items_number ON action_items (incident_id, number);
-- "My open action items", by target date.
CREATE INDEX action_items_owner ON action_items (owner_id, target_date);

-- +goose Down
DROP TABLE action_items;
DROP TABLE postmortem_revisions;
DROP TABLE postmortems;
