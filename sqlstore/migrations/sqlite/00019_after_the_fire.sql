-- After the fire (issue 12): holiday calendars, counted for the Post
-- Mortem Review's business days, and the reviews themselves, records of
-- their own beside the incident. Times are INTEGER unix microseconds
-- (UTC), as in 00001.

-- +goose Up

-- One row per holiday calendar (a region's or a team's). teams is the JSON
-- list of team IDs it counts for; holidays the JSON list of
-- warroom.Holiday.
CREATE TABLE holiday_calendars (
    name        TEXT PRIMARY KEY,
    teams       TEXT NOT NULL,
    holidays    TEXT NOT NULL,
    imported_at INTEGER NOT NULL
) STRICT;

-- One row per incident with a Post Mortem Review; data is the JSON of
-- warroom.PostmortemReview. incident_id is not a foreign key: reviews are
-- history, like updates.
CREATE TABLE postmortem_reviews (
    incident_id TEXT PRIMARY KEY,
    due_at      INTEGER NOT NULL,
    data        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE postmortem_reviews;
DROP TABLE holiday_calendars;
