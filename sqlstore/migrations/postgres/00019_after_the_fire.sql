-- After the fire (issue 12): holiday calendars, counted for the Post
-- Mortem Review's business days, and the reviews themselves, records of
-- their own beside the incident.

-- +goose Up

CREATE TABLE holiday_calendars (
    name        text PRIMARY KEY,
    teams       json NOT NULL,
    holidays    json NOT NULL,
    imported_at timestamptz NOT NULL
);

CREATE TABLE postmortem_reviews (
    incident_id text PRIMARY KEY,
    due_at      timestamptz NOT NULL,
    data        json NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- +goose Down
DROP TABLE postmortem_reviews;
DROP TABLE holiday_calendars;
