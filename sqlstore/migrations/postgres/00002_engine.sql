-- The durable engine: jobs (engine.Store) and the outbox of notifications
-- (notify.OutboxStore) with its delivery history. Workers of several
-- replicas claim rows with FOR UPDATE SKIP LOCKED and wake each other with
-- NOTIFY warroom_jobs / warroom_messages.

-- +goose Up

-- A job is claimable when it is not done, due, and not leased (owner and
-- lease_until are NULL) or its lease expired. Done jobs are kept, with
-- done_at, as history and so that their key stays used: scheduling a key
-- again is a no-op even after the job ran.
CREATE TABLE jobs (
    id          text PRIMARY KEY,
    queue       text NOT NULL,
    kind        text NOT NULL,
    key         text,        -- NULL when the job has none
    payload     json,        -- NULL when empty
    due_at      timestamptz NOT NULL,
    attempts    integer NOT NULL,
    last_error  text NOT NULL,
    owner       text,        -- who holds the claim, or last held it once done
    lease_until timestamptz, -- while claimed
    created_at  timestamptz NOT NULL,
    done_at     timestamptz
);
CREATE UNIQUE INDEX jobs_key_key ON jobs (key) WHERE key IS NOT NULL;
-- Claim and NextDue read the undone jobs of a queue in due order.
CREATE INDEX jobs_due ON jobs (queue, due_at) WHERE done_at IS NULL;

-- A message is pending, sending (leased to owner until lease_until),
-- sent or failed. incident_id and alert_id are not foreign keys: the
-- outbox is history and must outlive what it was about.
CREATE TABLE messages (
    id              text PRIMARY KEY,
    queue           text NOT NULL,
    kind            text NOT NULL,
    channel         text NOT NULL,
    destination     text NOT NULL,
    subject         text NOT NULL,
    body            text NOT NULL,
    fields          json NOT NULL,
    ack_url         text NOT NULL,
    incident_id     text,
    alert_id        text,
    user_id         text,
    secret          text NOT NULL,
    state           text NOT NULL,
    due_at          timestamptz NOT NULL,
    attempts        integer NOT NULL,
    throttle_reason text NOT NULL,
    last_error      text NOT NULL,
    provider_id     text NOT NULL,
    owner           text,
    lease_until     timestamptz,
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz
);
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
    message_id  text NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    seq         integer NOT NULL,
    at          timestamptz NOT NULL,
    outcome     text NOT NULL,
    detail      text NOT NULL,
    provider_id text NOT NULL,
    PRIMARY KEY (message_id, seq)
);

-- +goose Down
DROP TABLE message_attempts;
DROP TABLE messages;
DROP TABLE jobs;
