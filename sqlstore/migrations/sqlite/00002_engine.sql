-- The durable engine: jobs (engine.Store) and the outbox of notifications
-- (notify.OutboxStore) with its delivery history. Times are INTEGER unix
-- microseconds (UTC), as in 00001.

-- +goose Up

-- A job is claimable when it is not done, due, and not leased (owner and
-- lease_until are NULL) or its lease expired. Done jobs are kept, with
-- done_at, as history and so that their key stays used: scheduling a key
-- again is a no-op even after the job ran.
CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    queue       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    key         TEXT,    -- NULL when the job has none
    payload     TEXT,    -- JSON; NULL when empty
    due_at      INTEGER NOT NULL,
    attempts    INTEGER NOT NULL,
    last_error  TEXT NOT NULL,
    owner       TEXT,    -- who holds the claim, or last held it once done
    lease_until INTEGER, -- while claimed
    created_at  INTEGER NOT NULL,
    done_at     INTEGER
) STRICT;
CREATE UNIQUE INDEX jobs_key_key ON jobs (key) WHERE key IS NOT NULL;
-- Claim and NextDue read the undone jobs of a queue in due order.
CREATE INDEX jobs_due ON jobs (queue, due_at) WHERE done_at IS NULL;

-- A message is pending, sending (leased to owner until lease_until),
-- sent or failed. incident_id and alert_id are not foreign keys: the
-- outbox is history and must outlive what it was about.
CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    queue           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    channel         TEXT NOT NULL,
    destination     TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    fields          TEXT NOT NULL, -- JSON array
    ack_url         TEXT NOT NULL,
    incident_id     TEXT,
    alert_id        TEXT,
    user_id         TEXT,
    secret          TEXT NOT NULL,
    state           TEXT NOT NULL,
    due_at          INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    throttle_reason TEXT NOT NULL,
    last_error      TEXT NOT NULL,
    provider_id     TEXT NOT NULL,
    owner           TEXT,
    lease_until     INTEGER,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
) STRICT;
-- ClaimMessages and NextMessageDue: the live messages of a queue by due
-- time. A sending message stays in it, so an expired lease is found.
CREATE INDEX messages_due ON messages (queue, due_at) WHERE state IN ('pending', 'sending');
-- RecentSends, for throttles.
CREATE INDEX messages_sent ON messages (destination, sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX messages_incident ON messages (incident_id, created_at) WHERE incident_id IS NOT NULL;
CREATE INDEX messages_alert ON messages (alert_id, created_at) WHERE alert_id IS NOT NULL;

-- One row per try at delivering a message, and per throttle, cancel or
-- lost lease, numbered per message.
CREATE TABLE message_attempts (
    message_id  TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    detail      TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    PRIMARY KEY (message_id, seq)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE message_attempts;
DROP TABLE messages;
DROP TABLE jobs;
